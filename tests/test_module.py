"""Modules: shapes, parameter counts, initialisation, dropout, state and summary."""

from __future__ import annotations

import math
import statistics

import pytest

from autograd_core import Value
from nn import MLP, Dropout, Layer, Module, Neuron
from nn.activations import log_softmax, softmax


def test_micrograd_sized_mlp() -> None:
    model = MLP(2, [16, 16, 1], seed=0)
    assert model.num_parameters() == 337 == len(model.parameters())
    out = model([0.5, -1.0])
    assert isinstance(out, Value)
    assert [layer.activation for layer in model.layers] == ["relu", "relu", "linear"]
    outs = MLP(3, [4, 5], seed=1)([1.0, 2.0, 3.0])
    assert isinstance(outs, list) and len(outs) == 5


def test_forward_matches_a_hand_computation() -> None:
    n = Neuron(2, activation="tanh", seed=3)
    n.w[0].data, n.w[1].data, n.b.data = 0.5, -0.25, 0.1
    assert n([2.0, 4.0]).data == pytest.approx(math.tanh(0.5 * 2 - 0.25 * 4 + 0.1))


def test_seeded_init_is_reproducible_and_seeds_differ() -> None:
    a, b, c = MLP(3, [8, 2], seed=7), MLP(3, [8, 2], seed=7), MLP(3, [8, 2], seed=8)
    assert a.state_dict() == b.state_dict() != c.state_dict()


@pytest.mark.parametrize(
    ("init", "bound_or_std", "kind"),
    [
        ("uniform", 1.0, "uniform"),
        ("xavier_uniform", math.sqrt(6 / (100 + 50)), "uniform"),
        ("glorot_uniform", math.sqrt(6 / (100 + 50)), "uniform"),
        ("he_uniform", math.sqrt(6 / 100), "uniform"),
        ("xavier_normal", math.sqrt(2 / (100 + 50)), "normal"),
        ("he_normal", math.sqrt(2 / 100), "normal"),
        ("kaiming_normal", math.sqrt(2 / 100), "normal"),
    ],
)
def test_init_schemes_have_the_right_spread(init: str, bound_or_std: float, kind: str) -> None:
    layer = Layer(100, 50, init=init, seed=0)
    ws = [w.data for n in layer.neurons for w in n.w]
    assert all(n.b.data == 0.0 for n in layer.neurons)
    if kind == "uniform":
        assert max(abs(w) for w in ws) <= bound_or_std
        assert statistics.pstdev(ws) == pytest.approx(bound_or_std / math.sqrt(3), rel=0.05)
    else:
        assert statistics.pstdev(ws) == pytest.approx(bound_or_std, rel=0.05)
    assert abs(statistics.fmean(ws)) < 0.1 * bound_or_std


def test_auto_init_picks_he_for_relu_and_xavier_for_tanh() -> None:
    assert MLP(2, [3, 1]).layers[0].init == "he_uniform"
    assert MLP(2, [3, 1], activation="tanh").layers[0].init == "xavier_uniform"


def test_softmax_output_sums_to_one_and_is_stable() -> None:
    model = MLP(2, [4, 3], output_activation="softmax", seed=0)
    probs = model([0.3, -0.2])
    assert sum(p.data for p in probs) == pytest.approx(1.0)
    big = softmax([Value(1000.0), Value(0.0), Value(-1000.0)])
    assert [p.data for p in big] == pytest.approx([1.0, 0.0, 0.0])
    ls = log_softmax([Value(1000.0), Value(0.0)])
    assert ls[1].data == pytest.approx(-1000.0)


def test_dropout_active_in_train_and_off_in_eval() -> None:
    d = Dropout(0.5, seed=0)
    xs = [Value(1.0) for _ in range(2000)]
    out = [v.data for v in d(xs)]
    zeros = sum(v == 0.0 for v in out)
    assert 850 < zeros < 1150  # about half dropped
    assert set(out) == {0.0, 2.0}  # survivors scaled by 1/(1-p)
    d.eval()
    assert [v.data for v in d(xs)] == [1.0] * 2000
    model = MLP(4, [32, 1], dropout=0.5, seed=0)
    x = [0.1, 0.2, 0.3, 0.4]
    model.train()
    assert len({model(x).data for _ in range(5)}) > 1  # random masks differ
    model.eval()
    assert len({model(x).data for _ in range(5)}) == 1
    with pytest.raises(ValueError, match="dropout probability"):
        Dropout(1.0)


def test_zero_grad_and_weights_exclude_biases() -> None:
    model = MLP(2, [3, 1], seed=0)
    model([1.0, 2.0]).backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0 for p in model.parameters())
    assert len(model.weights()) == 2 * 3 + 3 * 1


def test_state_dict_round_trip_and_mismatch() -> None:
    a, b = MLP(2, [3, 1], seed=0), MLP(2, [3, 1], seed=1)
    b.load_state_dict(a.state_dict())
    assert b([0.2, 0.9]).data == a([0.2, 0.9]).data
    with pytest.raises(ValueError, match="missing"):
        b.load_state_dict({"layers.0.neurons.0.w.0": 1.0})
    state = a.state_dict()
    state["layers.0.neurons.0.b"] = float("nan")
    with pytest.raises(ValueError, match="finite"):
        b.load_state_dict(state)


def test_bad_construction_and_input_width() -> None:
    with pytest.raises(ValueError, match="nin"):
        MLP(0, [1])
    with pytest.raises(ValueError, match="layer sizes"):
        MLP(2, [])
    with pytest.raises(ValueError, match="unknown activation"):
        MLP(2, [1], activation="swish")
    with pytest.raises(ValueError, match="unknown init"):
        MLP(2, [1], init="zeros")
    with pytest.raises(ValueError, match="expects 2 inputs, got 3"):
        MLP(2, [1])([1.0, 2.0, 3.0])


def test_summary_table() -> None:
    text = MLP(2, [16, 16, 1], seed=0).summary_table()
    assert "| hidden 1 | 16      | relu       | 48 " in text
    assert "| output   | 1       | linear     | 17 " in text
    assert "total parameters: 337" in text
    assert "softmax" in MLP(64, [100, 10], output_activation="softmax").summary_table()


def test_module_base_defaults() -> None:
    m = Module()
    assert m.parameters() == [] and m.num_parameters() == 0
    with pytest.raises(NotImplementedError):
        m.config()


def test_summary_prints_like_keras_and_shows_as_html(capsys: pytest.CaptureFixture[str]) -> None:
    model = MLP(2, [16, 16, 1], seed=0)
    assert model.summary() is None
    out = capsys.readouterr().out
    assert out.strip() == model.summary_table()
    lines: list[str] = []
    model.summary(print_fn=lines.append)
    assert lines == [model.summary_table()]
    page = model._repr_html_()
    assert "<table>" in page and "<td>hidden 1</td>" in page and "total parameters: 337" in page


def test_biases_are_tagged_not_named() -> None:
    model = MLP(3, [4, 2], seed=0)
    assert len(model.biases()) == 4 + 2
    assert len(model.weights()) == 3 * 4 + 4 * 2
    assert {id(p) for p in model.biases()} == {id(n.b) for layer in model.layers for n in layer.neurons}
