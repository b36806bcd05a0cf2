"""The compiled engine: every op compiles, batched values and gradients match the eager
engine to 1e-10, parameters are read fresh, and what cannot be compiled is refused."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import BINARY, UNARY, BinaryCase, Program, UnaryCase, programs, reals

from autograd_core import TracingError, Value, compile, dot, gradients, vsum
from nn import MLP, RNN, Layer, fit, optim, predict
from nn.data import make_blobs, make_moons
from nn.losses import bce, cross_entropy, hinge, mse


def _draw_batch(strategy: st.SearchStrategy, data: st.DataObject, n: int = 6) -> list:  # type: ignore[type-arg]
    return [data.draw(strategy) for _ in range(n)]


@pytest.mark.parametrize("case", UNARY, ids=lambda c: c.name)
def test_every_unary_op_compiles(case: UnaryCase) -> None:
    @given(st.data())
    def check(data: st.DataObject) -> None:
        xs = _draw_batch(case.inputs, data)
        w = Value(1.0)  # a parameter, so gradients flow somewhere
        prog = compile(lambda x: case.apply(x * w), [xs[0]])
        out, g = prog.backward(np.array(xs)[:, None], accumulate=False)
        for k, x in enumerate(xs):
            wv = Value(1.0)
            eager = case.apply(Value(x) * wv)
            assert out[k] == pytest.approx(eager.data, rel=1e-10, abs=1e-12)
        eager_sum = sum(gradients(case.apply(Value(x) * w), [w])[0] for x in xs)
        assert g[0] == pytest.approx(eager_sum, rel=1e-10, abs=1e-12)

    check()


@pytest.mark.parametrize("case", BINARY, ids=lambda c: c.name)
def test_every_binary_op_compiles(case: BinaryCase) -> None:
    @given(st.data())
    def check(data: st.DataObject) -> None:
        pairs = _draw_batch(case.inputs, data)
        a, b = Value(1.0), Value(1.0)
        prog = compile(lambda x, y: case.apply(x * a, y * b), list(pairs[0]))
        out, g = prog.backward(np.array(pairs), accumulate=False)
        ga = gb = 0.0
        for k, (x, y) in enumerate(pairs):
            e = case.apply(Value(x) * a, Value(y) * b)
            assert out[k] == pytest.approx(e.data, rel=1e-10, abs=1e-12)
            da, db = gradients(e, [a, b])
            ga, gb = ga + da, gb + db
        assert list(g) == pytest.approx([ga, gb], rel=1e-10, abs=1e-12)

    check()


@given(programs(), st.data())
def test_random_graphs_match_eager(prog: Program, data: st.DataObject) -> None:
    params = [Value(data.draw(reals(-1, 1))) for _ in range(prog.n_inputs)]
    rows = [
        data.draw(st.lists(reals(-2, 2), min_size=prog.n_inputs, max_size=prog.n_inputs)) for _ in range(5)
    ]

    def f(*xs: Value) -> Value:
        return prog.run([x * p + p for x, p in zip(xs, params)])

    c = compile(f, rows[0])
    out, g = c.backward(np.array(rows), accumulate=False)
    eager_g = np.zeros(len(params))
    for k, r in enumerate(rows):
        e = f(*[Value(v) for v in r])
        assert out[k] == pytest.approx(e.data, rel=1e-10, abs=1e-12)
        eager_g += gradients(e, params)
    order = [next(i for i, p in enumerate(params) if p is q) for q in c.params]
    assert g == pytest.approx(eager_g[order], rel=1e-10, abs=1e-10)


def test_parameters_are_read_fresh_and_grads_accumulate() -> None:
    w = Value(2.0)
    c = compile(lambda x: w * x * x, [1.0])
    assert list(c([[1.0], [3.0]])) == [2.0, 18.0]
    w.data = 1.0
    assert list(c([[3.0]])) == [9.0]
    c.backward([[1.0], [3.0]])
    c.backward([[1.0], [3.0]], weight=0.5)
    assert w.grad == pytest.approx(1.5 * (1 + 9))


def test_several_outputs_and_shared_inputs() -> None:
    m = MLP(3, [5, 4], seed=0)
    c = compile(lambda *x: m(list(x)), [0.1, 0.2, 0.3])
    X = np.random.default_rng(0).normal(size=(7, 3))
    out = c(X)
    assert out.shape == (7, 4)
    for k in range(7):
        assert list(out[k]) == pytest.approx([v.data for v in m(list(X[k]))], rel=1e-12)
    with pytest.raises(ValueError, match="one output"):
        c.backward(X)
    with pytest.raises(ValueError, match=r"\(n, 3\)"):
        c(np.zeros((2, 2)))


def test_dot_layer_fast_path_and_generic_dot() -> None:
    ws = [Value(0.5), Value(-1.0)]
    c = compile(lambda a, b: dot([a, b], ws) + dot(ws, [b, a]), [1.0, 2.0])  # weights on either side
    out, g = c.backward(np.array([[1.0, 2.0], [3.0, -1.0]]), accumulate=False)
    assert list(out) == pytest.approx([0.5 - 2 + 1 - 1, 1.5 + 1 - 0.5 - 3])
    assert sorted(g) == pytest.approx(sorted([1 + 3 + 2 - 1, 2 - 1 + 1 + 3]))


def test_data_dependent_control_flow_is_refused() -> None:
    w = Value(1.0)
    with pytest.raises(TracingError, match="comparing Values"):
        compile(lambda x: x * w if x > 0 else -x * w, [1.0])
    with pytest.raises(TracingError, match="float"):
        compile(lambda x: x * float(x), [1.0])

    def sneaky(x: Value) -> Value:  # reads .data: invisible, but the two traces differ
        return x.relu() if x.data > 0 else x.exp() * w

    with pytest.raises(TracingError, match="different graph"):
        compile(sneaky, [1.0], check=[-1.0])


def test_dropout_cannot_be_compiled_in_training_mode() -> None:
    m = MLP(2, [4, 1], dropout=0.5, seed=0)
    with pytest.raises(TracingError, match="dropout"):
        compile(lambda a, b: m([a, b]), [0.1, 0.2])
    m.eval()
    assert compile(lambda a, b: m([a, b]), [0.1, 0.2])([[0.1, 0.2]]).shape == (1,)


def test_non_finite_results_name_the_op() -> None:
    c = compile(lambda x: (x * Value(1.0)).log(), [1.0])
    with pytest.raises(FloatingPointError, match=r"'log'.*sample 1"):
        c.backward([[1.0], [-1.0]])
    with pytest.raises(TypeError):
        compile(3, [1.0])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("loss", "make_model", "data"),
    [
        ("bce", lambda: MLP(2, [8, 8, 1], seed=0), lambda: make_moons(40, noise=0.1, seed=0)),
        ("hinge", lambda: MLP(2, [8, 1], seed=1), lambda: make_moons(40, noise=0.1, seed=1)),
        ("cross_entropy", lambda: MLP(2, [8, 3], seed=2), lambda: make_blobs(45, centers=3, seed=0)),
        ("hinge", lambda: MLP(2, [8, 3], seed=3), lambda: make_blobs(45, centers=3, seed=1)),
        ("mse", lambda: MLP(2, [8, 1], activation="tanh", seed=4), lambda: make_moons(40, noise=0.1, seed=2)),
    ],
)
def test_fit_compiled_matches_eager(loss, make_model, data) -> None:  # type: ignore[no-untyped-def]
    X, y = data()
    runs = []
    for engine in ("eager", "compiled"):
        m = make_model()
        h = fit(
            m,
            X,
            y,
            loss=loss,
            optimizer=optim.Adam(m.parameters(), lr=0.02),
            epochs=8,
            batch_size=16,
            validation=(X[:10], y[:10]),
            metrics=["accuracy"],
            l2=1e-3,
            class_weight="balanced",
            progress=False,
            engine=engine,
        )
        runs.append((h, m))
    (he, me), (hc, mc) = runs
    assert hc["loss"] == pytest.approx(he["loss"], rel=1e-10, abs=1e-12)
    assert hc["val_loss"] == pytest.approx(he["val_loss"], rel=1e-10, abs=1e-12)
    assert hc["accuracy"] == he["accuracy"]
    assert [p.data for p in mc.parameters()] == pytest.approx([p.data for p in me.parameters()], abs=1e-10)


def test_rnn_sequences_compile() -> None:
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (12, 5)).tolist()
    y = [[0.0, *s[:-1]] for s in X]
    runs = []
    for engine in ("eager", "compiled"):
        m = RNN(1, 3, seed=0)
        h = fit(
            m,
            X,
            y,
            loss="mse",
            optimizer=optim.SGD(m.parameters(), lr=0.1),
            epochs=3,
            batch_size=4,
            progress=False,
            engine=engine,
        )
        runs.append(h["loss"])
    assert runs[1] == pytest.approx(runs[0], rel=1e-10)


def test_predict_compiled_matches_eager() -> None:
    m = MLP(2, [6, 3], output_activation="softmax", seed=0)
    X, _ = make_blobs(20, centers=3, seed=0)
    eager, comp = predict(m, X), predict(m, X, engine="compiled")
    for a, b in zip(eager, comp):
        assert b == pytest.approx(a, rel=1e-12)
    with pytest.raises(ValueError, match="engine"):
        predict(m, X, engine="gpu")


def test_losses_trace_their_targets_exactly() -> None:
    # The compiled forms (target as a Value or one-hot) give the eager numbers exactly.
    z = [Value(0.3), Value(-1.2), Value(2.0)]
    assert cross_entropy(z, [0.0, 0.0, 1.0]).data == pytest.approx(cross_entropy(z, 2).data, rel=1e-15)
    assert hinge(z, [0.0, 1.0, 0.0]).data == pytest.approx(hinge(z, 1).data, rel=1e-15)
    for y in (0, 1):
        assert bce(Value(9.0), Value(float(y))).data == bce(Value(9.0), y).data
        assert hinge(Value(0.3), Value(float(y))).data == pytest.approx(hinge(Value(0.3), y).data)
    assert mse(vsum(z), 1.0).data == pytest.approx((1.1 - 1.0) ** 2)


# -- nothing is frozen silently ---------------------------------------------------------


def test_detach_is_a_stop_gradient_not_a_frozen_constant() -> None:
    assert list(compile(lambda x: x.detach() * x, [2.0])([[3.0], [-1.0]])) == [9.0, 1.0]
    w = Value(1.5)

    def f(x: Value) -> Value:
        h = x * w
        return h.detach() * h + h  # d/dw = x * stop(h) + x

    c = compile(f, [2.0])
    rows = [[3.0], [-1.0], [0.5]]
    out, g = c.backward(rows, accumulate=False)
    eager = [f(Value(r[0])) for r in rows]
    assert list(out) == pytest.approx([e.data for e in eager], rel=1e-12)
    assert g[0] == pytest.approx(sum(gradients(e, [w])[0] for e in eager), rel=1e-12)
    assert Value(2.0).detach().is_leaf  # outside a trace detach is unchanged


def test_values_turned_into_numbers_are_refused() -> None:
    from autograd_core import no_grad

    w = Value(0.5)

    def rewrapped(x: Value) -> Value:
        return Value(x.data) * x

    def in_no_grad(x: Value) -> Value:
        with no_grad():
            c = x * 2.0
        return c * x

    def parameter_frozen(x: Value) -> Value:  # w is read fresh, its copy would be frozen
        return Value(w.data * 2.0) * x + w

    for fn in (rewrapped, in_no_grad, parameter_frozen):
        with pytest.raises(TracingError, match="constant made while tracing"):
            compile(fn, [2.0])
    with pytest.raises(TracingError, match="constant made while tracing"):
        compile(rewrapped, [2.0], check=[3.0])
    assert w.data == 0.5  # the parameters nudged for the second trace are restored exactly
    assert list(compile(lambda x: x * Value(3.0) + 1.0, [2.0])([[1.0]])) == [4.0]  # true constants are fine
    # A number taken from the data that cancels out (a softmax's shift) is accepted.
    shifted = compile(lambda x, y: (x - max(x.data, y.data)) - (y - max(x.data, y.data)), [1.0, 2.0])
    assert list(shifted([[5.0, 1.0]])) == [4.0]


def test_examples_must_be_numbers() -> None:
    with pytest.raises(TypeError, match="str"):
        compile(lambda x: x * 2.0, ["1.5"])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="str"):
        compile(lambda x, y: x * y, "12")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="str"):
        compile(lambda x: x * 2.0, [1.0], check="1")  # type: ignore[arg-type]


def test_inputs_outside_an_op_domain_raise_domain_error() -> None:
    from autograd_core import DomainError

    w = Value(1.0)
    log = compile(lambda x: (x * w).log(), [1.0])
    with pytest.raises(DomainError, match=r"'log'.*x > 0.*sample 1"):
        log([[1.0], [-1.0]])
    with pytest.raises(DomainError, match=r"'log'.*sample 2"):
        log.backward([[1.0], [2.0], [0.0]], check=False)
    recip = compile(lambda x: 1.0 / x, [1.0])
    with pytest.raises(DomainError, match=r"division by zero.*sample 0"):
        recip([[0.0], [1.0]])
    power = compile(lambda a, b: a**b, [2.0, 0.5])  # a**b with b a Value needs a > 0
    with pytest.raises(DomainError, match="positive base"):
        power([[2.0, 2.0], [-2.0, 2.0]])
    assert list(log([[np.e]])) == pytest.approx([1.0])
    assert np.isinf(compile(lambda x: x.exp(), [1.0])([[1000.0]])[0])  # overflow is no domain error


def test_a_non_finite_output_that_is_an_input_is_reported() -> None:
    ident = compile(lambda x, y: x, [1.0, 2.0])
    with pytest.raises(FloatingPointError, match=r"input 0.*sample 1"):
        ident.backward([[1.0, 2.0], [np.nan, 2.0]])


# -- the fast paths: fused dense layers, laid-out rows, kept buffers -------------------------


@given(
    st.sampled_from(["relu", "tanh", "sigmoid", "leaky_relu", "linear"]),
    st.sampled_from([None, "sigmoid", "tanh"]),
    st.lists(st.integers(1, 5), min_size=1, max_size=3),
    st.integers(1, 7),
    st.integers(0, 10_000),
)
def test_fused_dense_layers_match_eager(
    act: str, out_act: str | None, hidden: list[int], n: int, seed: int
) -> None:
    m = MLP(2, [*hidden, 2], activation=act, output_activation=out_act, seed=seed)
    c = compile(lambda a, b, t0, t1: mse(m([a, b]), [t0, t1]), [0.1, -0.2, 0.5, 0.5])
    assert "dense" in c.describe()
    rows = np.random.default_rng(seed).normal(size=(n, 4))
    out, g = c.backward(rows, weight=np.linspace(0.5, 1.5, n), accumulate=False)
    eager_g = np.zeros(len(c.params))
    for k, r in enumerate(rows):
        e = mse(m([Value(r[0]), Value(r[1])]), [float(r[2]), float(r[3])])
        assert out[k] == pytest.approx(e.data, rel=1e-10, abs=1e-12)
        eager_g += np.array(gradients(e, c.params)) * np.linspace(0.5, 1.5, n)[k]
    assert g == pytest.approx(eager_g, rel=1e-10, abs=1e-12)


def test_unusual_layers_shared_and_constant_weights_and_gathered_inputs() -> None:
    w, v, b = Value(0.5), Value(-1.5), Value(0.25)

    def f(x: Value, y: Value, z: Value) -> Value:
        tied = dot([w, w, 2.0], [x, y, z]) + b  # one weight twice, a constant weight
        other = dot([v, w], [z, x])  # same level, other inputs: gathered per node
        return (tied.tanh() * other).softplus() + dot([v, v], [tied, tied])

    c = compile(f, [0.1, 0.2, 0.3])
    rows = np.random.default_rng(1).normal(size=(5, 3))
    out, g = c.backward(rows, accumulate=False)
    for k, r in enumerate(rows):
        assert out[k] == pytest.approx(f(*[Value(x) for x in r]).data, rel=1e-12)
    eager = np.sum([gradients(f(*[Value(x) for x in r]), c.params) for r in rows], axis=0)
    assert g == pytest.approx(eager, rel=1e-10, abs=1e-12)


def test_buffers_kept_between_calls_never_leak_into_results() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from autograd_core.compile import release_buffers

    m = MLP(3, [8, 8, 1], seed=0)
    c = compile(lambda *x: m(list(x)), [0.1, 0.2, 0.3])
    X = np.random.default_rng(0).normal(size=(50, 3))
    first = c(X)
    expected = [m(list(r)).data for r in X]
    assert list(first) == pytest.approx(expected, rel=1e-12)
    first[:] = 0.0  # the caller owns its result
    assert list(c(X[:7])) == pytest.approx(expected[:7], rel=1e-12)  # another batch size
    assert list(c(X)) == pytest.approx(expected, rel=1e-12)
    release_buffers()
    with ThreadPoolExecutor(4) as pool:  # concurrent calls each get their own arrays
        results = list(pool.map(lambda k: c(X[: 10 + k]), range(16)))
    for k, r in enumerate(results):
        assert list(r) == pytest.approx(expected[: 10 + k], rel=1e-12)


def test_softmax_shift_is_per_sample_when_compiled() -> None:
    """The largest logit is subtracted per sample, not frozen from the traced example:
    a sample whose logits are far above the example's stays finite."""
    from nn.activations import softmax

    f = compile(lambda a, b: softmax([a, b])[0], [0.0, 0.0])
    out = f([[0.0, 0.0], [800.0, 799.0]])
    assert np.isfinite(out).all()
    assert out[1] == pytest.approx(1 / (1 + math.exp(-1.0)), rel=1e-12)


def test_detach_records_a_stop_gradient_in_the_engine_while_tracing() -> None:
    from autograd_core.ops import STOP_GRADIENT

    x = Value(2.0)
    assert x.detach().is_leaf  # eager: a new leaf
    f = compile(lambda v: v.detach() * v, [2.0])
    assert f([[3.0]])[0] == 9.0
    assert STOP_GRADIENT.display == "stop_gradient"


def test_fit_keeps_the_traced_program_between_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    """A notebook calling fit one epoch at a time traces the model once; a new loss, a
    replaced layer or a new architecture trace again, and the numbers stay the eager
    engine's."""
    from nn.training import compiled as compiled_module

    traced = []
    real = compiled_module.compile
    monkeypatch.setattr(compiled_module, "compile", lambda *a, **k: traced.append(1) or real(*a, **k))
    X, y = make_moons(40, seed=0)
    model, twin = MLP(2, [4, 1], seed=0), MLP(2, [4, 1], seed=0)
    options: dict[str, Any] = {"epochs": 1, "progress": False, "batch_size": 8, "shuffle": False}
    steps = optim.SGD(model.parameters(), lr=0.1), optim.SGD(twin.parameters(), lr=0.1)
    for _ in range(5):
        fit(model, X, y, loss="mse", optimizer=steps[0], engine="compiled", **options)
        fit(twin, X, y, loss="mse", optimizer=steps[1], engine="eager", **options)
    assert len(traced) == 1
    assert np.allclose([p.data for p in model.parameters()], [p.data for p in twin.parameters()], atol=1e-10)
    fit(model, X, y, loss="bce", engine="compiled", **options)  # another loss: its own programs
    after_bce = len(traced)
    assert after_bce > 1
    fit(model, X, y, loss="mse", engine="compiled", **options)  # the mse programs were kept
    assert len(traced) == after_bce
    # loss_programs tells a replaced parameter by list equality, which is identity for Values
    assert Value.__eq__ is object.__eq__ and Value.__ne__ is object.__ne__
    model.layers[0] = model.add_module("layers.0", Layer(2, 4, seed=1))  # new parameters: traced again
    fit(model, X, y, loss="mse", engine="compiled", **options)
    assert len(traced) == after_bce + 1


def test_a_float32_program_follows_the_float64_one() -> None:
    """dtype="float32": the program computes in single precision (its outputs are
    float32), and stays within float32's precision of the float64 program."""
    w = Value(0.7)
    f64 = compile(lambda x, y: (w * x + y).tanh() * x, [0.1, 0.2])
    f32 = compile(lambda x, y: (w * x + y).tanh() * x, [0.1, 0.2], dtype="float32")
    X = np.random.default_rng(0).normal(size=(50, 2))
    assert f32(X).dtype == np.float32 and f64(X).dtype == np.float64
    assert np.allclose(f32(X), f64(X), rtol=1e-6, atol=1e-6)
    _, g32 = f32.backward(X, accumulate=False)
    _, g64 = f64.backward(X, accumulate=False)
    assert np.allclose(g32, g64, rtol=1e-5)
    with pytest.raises(ValueError, match="dtype must be 'float64' or 'float32'"):
        compile(lambda x: x * w, [1.0], dtype="float16")


def test_fit_and_predict_in_float32_stay_within_the_stated_tolerance() -> None:
    """fit's docstring promises float32's loss curve within about 1e-5 (relative) of
    float64's: 100 epochs of SGD on 400 moons points, and 30 of Adam with bce."""
    X, y = make_moons(400, seed=0)
    for loss, optimizer, epochs in (("mse", "sgd", 100), ("bce", "adam", 30)):
        curves = []
        for dtype in ("float64", "float32"):
            model = MLP(2, [32, 32, 1], seed=0)
            history = fit(model, X, y, loss=loss, optimizer=optimizer, epochs=epochs, engine="compiled",
                          progress=False, dtype=dtype)  # fmt: skip
            curves.append(np.array(history.history["loss"]))
        assert np.max(np.abs(curves[1] - curves[0]) / curves[0]) < 1e-5, loss
    p32 = predict(model, X, engine="compiled", dtype="float32")
    assert np.allclose(p32, predict(model, X, engine="compiled"), atol=1e-5)
    with pytest.raises(ValueError, match="dtype='float32' is for engine='compiled'"):
        fit(model, X, y, epochs=1, progress=False, dtype="float32")
    with pytest.raises(ValueError, match="dtype='float32' is for engine='compiled'"):
        predict(model, X, dtype="float32")
