"""The recurrent network: BPTT gradients, truncation, and learning a sequence task."""

from __future__ import annotations

import random

import pytest

from autograd_core import Value, gradients
from nn import RNN, fit, optim, predict
from nn.losses import mse


def test_bptt_gradients_match_finite_differences() -> None:
    rnn = RNN(2, 3, seed=0)
    seq = [[0.5, -0.2], [0.1, 0.9], [-0.7, 0.3], [0.2, 0.2]]
    targets = [0.1, -0.3, 0.5, 0.0]

    def loss() -> Value:
        return mse(rnn(seq), targets)

    params = rnn.parameters()
    grads = gradients(loss(), params)
    for k in range(0, len(params), 3):  # every third parameter keeps this quick
        p = params[k]
        old = p.data
        p.data = old + 1e-6
        up = loss().data
        p.data = old - 1e-6
        down = loss().data
        p.data = old
        assert grads[k] == pytest.approx((up - down) / 2e-6, rel=1e-4, abs=1e-8)


def test_truncation_cuts_the_gradient_path() -> None:
    xs = [Value(v) for v in (0.5, -0.3, 0.8, 0.1)]
    full = RNN(1, 2, seed=0)(xs)[-1]
    cut = RNN(1, 2, seed=0, truncate=2)(xs)[-1]
    g_full = gradients(full, xs)
    g_cut = gradients(cut, xs)
    assert g_full[0] != 0.0 and g_cut[0] == 0.0 and g_cut[1] == 0.0  # cut after step 2
    assert g_cut[2] == pytest.approx(g_full[2]) and g_cut[3] == pytest.approx(g_full[3])
    assert full.data == pytest.approx(cut.data)  # truncation changes gradients, not values


def test_rnn_learns_to_echo_the_previous_input() -> None:
    # y_t = x_{t-1}: impossible without memory, easy with a hidden state.
    rng = random.Random(0)
    X = [[rng.uniform(-1, 1) for _ in range(6)] for _ in range(40)]
    y = [[0.0, *seq[:-1]] for seq in X]
    model = RNN(1, 6, seed=1)
    before = sum(mse(model(s), t).data for s, t in zip(X, y)) / len(X)
    hist = fit(
        model,
        X,
        y,
        loss="mse",
        optimizer=optim.Adam(model.parameters(), lr=0.03),
        epochs=40,
        batch_size=8,
        progress=False,
    )
    after = hist["loss"][-1]
    assert after < 0.05 * before, (before, after)
    out = predict(model, [[0.9, -0.5, 0.3, 0.0]])[0]
    assert out[1:] == pytest.approx([0.9, -0.5, 0.3], abs=0.15)


def test_many_to_one_and_errors() -> None:
    r = RNN(1, 2, seed=0, return_sequences=False)
    assert isinstance(r([0.1, 0.2, 0.3]), Value)
    with pytest.raises(ValueError, match="2 inputs per time step"):
        RNN(2, 2)([[0.1], [0.2]])
    with pytest.raises(ValueError, match="at least one"):
        RNN(1, 2)([])
    with pytest.raises(ValueError, match="truncate"):
        RNN(1, 2, truncate=0)
    assert "recurrent" in RNN(1, 4).summary_table()


def test_truncated_rnn_compiles_exactly() -> None:
    # The hidden state detached every `truncate` steps keeps flowing forward in the
    # compiled program (a stop-gradient, not a constant frozen from the traced example).
    r = RNN(1, 4, truncate=2, seed=0)
    X = [[0.1, 0.2, 0.3, 0.4], [0.9, -0.5, 0.3, 0.1], [0.0, 0.7, -0.2, 0.5]]
    for a, b in zip(predict(r, X), predict(r, X, engine="compiled")):
        assert b == pytest.approx(a, rel=1e-12, abs=1e-14)
    y = [[0.0, *s[:-1]] for s in X]
    models = []
    for engine in ("eager", "compiled"):
        m = RNN(1, 3, truncate=2, seed=1)
        fit(m, X, y, loss="mse", optimizer=optim.SGD(m.parameters(), lr=0.1), epochs=3,
            batch_size=2, progress=False, engine=engine)  # fmt: skip
        models.append([p.data for p in m.parameters()])
    assert models[1] == pytest.approx(models[0], abs=1e-10)


def test_compiled_programs_per_sequence_length_are_bounded() -> None:
    import gc
    import weakref

    from nn.training.compiled import MAX_PROGRAMS, forward_programs

    r = RNN(1, 2, seed=0)
    for length in range(1, MAX_PROGRAMS + 10):
        predict(r, [[0.1] * length], engine="compiled")
    cached = forward_programs(r)
    assert len(cached.programs) == MAX_PROGRAMS
    predict(r, [[0.1] * (MAX_PROGRAMS + 9)], engine="compiled")  # the latest is kept
    assert len(cached.programs) == MAX_PROGRAMS
    ref = weakref.ref(r)
    del r, cached
    gc.collect()
    assert ref() is None  # the model is still held weakly
