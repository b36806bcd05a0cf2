"""Every op against its analytic derivative and central differences, over random inputs
in its domain; kinks, stable forms, domain errors and type errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import BINARY, UNARY, BinaryCase, UnaryCase, central_difference, reals

from autograd_core import DomainError, Value, dot, vsum


def _close(a: float, b: float, rel: float = 1e-6, abs_: float = 1e-9) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


@pytest.mark.parametrize("case", UNARY, ids=lambda c: c.name)
def test_unary_against_formula_and_finite_differences(case: UnaryCase) -> None:
    @given(case.inputs)
    def check(x: float) -> None:
        v = Value(x)
        out = case.apply(v)
        out.backward()
        assert _close(v.grad, case.derivative(x)), (x, v.grad, case.derivative(x))
        numeric = central_difference(lambda xs: case.apply(Value(xs[0])).data, [x], 0)
        assert _close(v.grad, numeric, rel=1e-4, abs_=1e-6), (x, v.grad, numeric)

    check()


@pytest.mark.parametrize("case", BINARY, ids=lambda c: c.name)
def test_binary_against_formula_and_finite_differences(case: BinaryCase) -> None:
    @given(case.inputs)
    def check(ab: tuple[float, float]) -> None:
        a, b = Value(ab[0]), Value(ab[1])
        case.apply(a, b).backward()
        da, db = case.partials(*ab)
        assert _close(a.grad, da) and _close(b.grad, db), (ab, a.grad, b.grad, da, db)

        def f(xs: list[float]) -> float:
            return case.apply(Value(xs[0]), Value(xs[1])).data

        for i, g in enumerate((a.grad, b.grad)):
            assert _close(g, central_difference(f, list(ab), i), rel=1e-4, abs_=1e-6)

    check()


@given(reals(), reals())
def test_numbers_on_either_side(x: float, c: float) -> None:
    v = Value(x)
    pairs = [
        (v + c, x + c, c + v),
        (v - c, x - c, None),
        (c - v, c - x, None),
        (v * c, x * c, c * v),
    ]
    for out, expected, mirror in pairs:
        assert out.data == pytest.approx(expected)
        if mirror is not None:
            assert mirror.data == pytest.approx(expected)
    if c != 0:
        assert (v / c).data == pytest.approx(x / c)
    if x != 0:
        assert (c / v).data == pytest.approx(c / x)


def test_op_names_and_parents() -> None:
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    c = a * b
    assert (c.op, c.parents, a.op, a.parents) == ("*", (a, b), "", ())
    assert c.local_grads == (3.0, 2.0)
    names = {
        "+": a + b,
        "-": a - b,
        "/": a / b,
        "**": a**2,
        "neg": -a,
        "exp": a.exp(),
        "log": a.log(),
        "sqrt": a.sqrt(),
        "tanh": a.tanh(),
        "sigmoid": a.sigmoid(),
        "relu": a.relu(),
        "leaky_relu": a.leaky_relu(),
        "softplus": a.softplus(),
        "sin": a.sin(),
        "cos": a.cos(),
        "abs": a.abs(),
        "max": a.maximum(b),
        "min": a.minimum(b),
    }
    for name, node in names.items():
        assert node.op == name


def test_value_exponent_is_one_node_with_two_parents() -> None:
    a, b = Value(2.0), Value(3.0)
    c = a**b
    assert c.op == "**" and c.parents == (a, b) and c.data == 8.0
    c.backward()
    assert a.grad == pytest.approx(12.0) and b.grad == pytest.approx(8 * math.log(2))


@pytest.mark.parametrize("x", [1000.0, -1000.0, 1e308, -1e308])
def test_sigmoid_and_softplus_are_stable(x: float) -> None:
    s, sp = Value(x), Value(x)
    s.sigmoid().backward()
    sp.softplus().backward()
    assert s.sigmoid().data == (1.0 if x > 0 else 0.0)
    assert s.grad == 0.0
    assert sp.softplus().data == (x if x > 0 else 0.0)
    assert sp.grad == (1.0 if x > 0 else 0.0)


def test_sigmoid_keeps_tiny_values() -> None:
    # A formula that computes 1 - (something near 1) would return exactly 0 here.
    assert Value(-40.0).sigmoid().data == pytest.approx(math.exp(-40.0), rel=1e-12)
    assert Value(-40.0).softplus().data == pytest.approx(math.exp(-40.0), rel=1e-12)


def test_kinks_follow_pytorch() -> None:
    cases = [
        (lambda v: v.relu(), 0.0),
        (lambda v: v.abs(), 0.0),
        (lambda v: v.leaky_relu(0.2), 0.2),
    ]
    for f, slope in cases:
        v = Value(0.0)
        out = f(v)
        out.backward()
        assert out.data == 0.0 and v.grad == slope


def test_max_min_tie_splits_gradient() -> None:
    a, b = Value(1.0), Value(1.0)
    a.maximum(b).backward()
    assert (a.grad, b.grad) == (0.5, 0.5)
    a, b = Value(1.0), Value(1.0)
    a.minimum(b).backward()
    assert (a.grad, b.grad) == (0.5, 0.5)


def test_builtin_max_follows_the_winner() -> None:
    a, b = Value(1.0), Value(2.0)
    max(a, b).backward()
    assert (a.grad, b.grad) == (0.0, 1.0)
    assert min(a, b) is a and a < b and b >= 2.0


def test_sqrt_at_zero_has_infinite_slope() -> None:
    v = Value(0.0)
    out = v.sqrt()
    out.backward()
    assert out.data == 0.0 and v.grad == math.inf


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda: Value(0.0).log(), ["log", "0.0"]),
        (lambda: Value(-2.0).log(), ["log", "-2.0"]),
        (lambda: Value(-1.0).sqrt(), ["sqrt", "-1.0"]),
        (lambda: Value(0.0) ** -1, ["0.0", "negative power"]),
        (lambda: Value(0.0) ** -0.5, ["0.0", "negative power"]),
        (lambda: Value(-8.0) ** (1 / 3), ["-8.0", "fractional"]),
        (lambda: Value(1.0) / 0, ["division by zero", "1.0"]),
        (lambda: 3 / Value(0.0), ["division by zero", "3.0"]),
        (lambda: Value(-2.0) ** Value(2.0), ["positive base", "-2.0"]),
    ],
)
def test_domain_errors_name_the_op_and_the_value(make, words) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as info:
        make()
    for w in words:
        assert w in str(info.value)
    assert isinstance(info.value, ValueError)


def test_negative_base_to_integer_power_is_fine() -> None:
    v = Value(-2.0)
    out = v**3
    out.backward()
    assert out.data == -8.0 and v.grad == 12.0


@pytest.mark.parametrize("bad", ["1.0", None, 1 + 2j, [1.0], (1.0,), {"a": 1}, np.array([1.0, 2.0])])
def test_wrong_types_raise_type_error(bad: object) -> None:
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Value(1.0) + bad  # type: ignore[operator]
    with pytest.raises(TypeError):
        Value(1.0) * bad  # type: ignore[operator]


def test_lists_get_a_hint() -> None:
    with pytest.raises(TypeError, match="list of Values"):
        Value([1.0, 2.0])  # type: ignore[arg-type]


@pytest.mark.parametrize("good", [3, True, np.float64(2.5), np.float32(0.5), np.int64(7), np.int8(-3)])
def test_ints_and_numpy_scalars_are_welcome(good: object) -> None:
    v = Value(good)  # type: ignore[arg-type]
    assert type(v.data) is float and v.data == float(good)  # type: ignore[arg-type]
    w = Value(1.0) * good  # type: ignore[operator]
    assert w.data == float(good)  # type: ignore[arg-type]


@given(st.lists(reals(), min_size=1, max_size=30))
def test_vsum_is_one_node(xs: list[float]) -> None:
    vs = [Value(x) for x in xs]
    s = vsum(vs)
    assert s.op == "sum" and len(s.parents) == len(xs)
    assert s.data == pytest.approx(sum(xs), abs=1e-9)
    s.backward()
    assert all(v.grad == 1.0 for v in vs)


@given(st.lists(st.tuples(reals(), reals()), min_size=1, max_size=30))
def test_dot_is_one_node_with_right_gradients(pairs: list[tuple[float, float]]) -> None:
    ws = [Value(w) for w, _ in pairs]
    xs = [Value(x) for _, x in pairs]
    d = dot(ws, xs)
    assert d.op == "dot" and len(d.parents) == 2 * len(pairs)
    assert d.data == pytest.approx(sum(w * x for w, x in pairs), abs=1e-9)
    d.backward()
    for (w, x), wv, xv in zip(pairs, ws, xs):
        assert wv.grad == x and xv.grad == w


def test_dot_accepts_plain_numbers_and_checks_lengths() -> None:
    ws = [Value(1.0), Value(2.0)]
    d = dot(ws, [3.0, 4.0])
    d.backward()
    assert d.data == 11.0 and [w.grad for w in ws] == [3.0, 4.0]
    with pytest.raises(ValueError, match="one length"):
        dot(ws, [1.0])
    assert vsum([]).data == 0.0 and dot([], []).data == 0.0


def test_exp_overflow_is_inf_not_a_crash() -> None:
    assert Value(1000.0).exp().data == math.inf
    assert (Value(1e200) ** 2).data == math.inf
