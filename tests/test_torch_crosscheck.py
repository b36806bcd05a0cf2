"""Optional cross-check of every op's value and gradient against PyTorch (float64).
Skips when torch is not installed (on these machines: pip install torch==2.13.0)."""

from __future__ import annotations

import pytest
from hypothesis import given
from strategies import BINARY, UNARY, BinaryCase, Program, UnaryCase, programs, reals

from autograd_core import Value

torch = pytest.importorskip("torch")

_TORCH_UNARY = {
    "neg": lambda t: -t,
    "abs": torch.abs,
    "exp": torch.exp,
    "log": torch.log,
    "sqrt": torch.sqrt,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "relu": torch.relu,
    "leaky_relu": lambda t: torch.nn.functional.leaky_relu(t, 0.1),
    # torch's default softplus returns x itself past x > 20 (an approximation off by
    # e**-x); chainrule is exact, so compare with torch's exact branch.
    "softplus": lambda t: torch.nn.functional.softplus(t, threshold=100.0),
    "sin": torch.sin,
    "cos": torch.cos,
    "square": lambda t: t**2,
    "cube": lambda t: t**3,
    "pow-0.5": lambda t: t**-0.5,
    "pow2.5": lambda t: t**2.5,
    "reciprocal": lambda t: 1 / t,
    "rsub": lambda t: 3 - t,
    "exp-base": lambda t: 2.0**t,
}
_TORCH_BINARY = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": lambda a, b: a**b,
    "max": torch.maximum,
    "min": torch.minimum,
}


def _t(x: float) -> torch.Tensor:
    return torch.tensor(x, dtype=torch.float64, requires_grad=True)


@pytest.mark.parametrize("case", UNARY, ids=lambda c: c.name)
def test_unary_matches_torch(case: UnaryCase) -> None:
    @given(case.inputs)
    def check(x: float) -> None:
        v, t = Value(x), _t(x)
        out = case.apply(v)
        out.backward()
        tout = _TORCH_UNARY[case.name](t)
        tout.backward()
        assert out.data == pytest.approx(tout.item(), rel=1e-12, abs=1e-300)
        assert v.grad == pytest.approx(t.grad.item(), rel=1e-9, abs=1e-300)

    check()


@pytest.mark.parametrize("case", BINARY, ids=lambda c: c.name)
def test_binary_matches_torch(case: BinaryCase) -> None:
    @given(case.inputs)
    def check(ab: tuple[float, float]) -> None:
        a, b = Value(ab[0]), Value(ab[1])
        ta, tb = _t(ab[0]), _t(ab[1])
        case.apply(a, b).backward()
        _TORCH_BINARY[case.name](ta, tb).backward()
        assert a.grad == pytest.approx(ta.grad.item(), rel=1e-9, abs=1e-300)
        assert b.grad == pytest.approx(tb.grad.item(), rel=1e-9, abs=1e-300)

    check()


@pytest.mark.parametrize("op", ["relu", "abs", "max", "min"])
def test_kinks_match_torch(op: str) -> None:
    if op in ("max", "min"):
        a, b, ta, tb = Value(1.0), Value(1.0), _t(1.0), _t(1.0)
        getattr(a, op + "imum")(b).backward()
        _TORCH_BINARY[op](ta, tb).backward()
        assert (a.grad, b.grad) == (ta.grad.item(), tb.grad.item())
    else:
        v, t = Value(0.0), _t(0.0)
        getattr(v, op)().backward()
        _TORCH_UNARY[op](t).backward()
        assert v.grad == t.grad.item()


@given(programs())
def test_random_graphs_match_torch(prog: Program) -> None:
    xs = [0.37 * (i + 1) - 0.9 for i in range(prog.n_inputs)]
    leaves = [Value(x) for x in xs]
    prog.run(leaves).backward()
    ts = [_t(x) for x in xs]
    prog.run(ts).backward()
    for leaf, t in zip(leaves, ts):
        got = 0.0 if t.grad is None else t.grad.item()
        assert leaf.grad == pytest.approx(got, rel=1e-9, abs=1e-12)


@given(reals(-2, 2))
def test_second_derivative_matches_torch(x: float) -> None:
    v = Value(x)
    y = (v * v).sin() * v.tanh()
    y.backward(create_graph=True)
    g = v.grad
    v.grad = 0.0
    g.backward()
    t = _t(x)
    ty = (t * t).sin() * t.tanh()
    (tg,) = torch.autograd.grad(ty, t, create_graph=True)
    (tgg,) = torch.autograd.grad(tg, t)
    assert g.data == pytest.approx(tg.item(), rel=1e-9, abs=1e-12)
    assert v.grad == pytest.approx(tgg.item(), rel=1e-9, abs=1e-12)
