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
