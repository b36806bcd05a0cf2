"""to_torch: the exported network computes the same numbers (optional: needs torch)."""

from __future__ import annotations

import pytest

from nn import MLP


@pytest.mark.parametrize(
    ("activation", "output_activation"),
    [("relu", None), ("tanh", "sigmoid"), ("leaky_relu", "softmax"), ("sigmoid", "tanh")],
)
def test_to_torch_gives_the_same_outputs(activation: str, output_activation: str | None) -> None:
    torch = pytest.importorskip("torch")
    model = MLP(
        3,
        [7, 5, 4 if output_activation == "softmax" else 1],
        activation=activation,
        output_activation=output_activation,
        seed=0,
    )
    seq = model.to_torch()
    assert isinstance(seq, torch.nn.Sequential)
    xs = [[0.3, -1.2, 0.5], [2.0, 0.1, -0.4], [0.0, 0.0, 0.0]]
    got = seq(torch.tensor(xs, dtype=torch.float64)).detach().tolist()
    for x, row in zip(xs, got):
        out = model(x)
        ours = [v.data for v in out] if isinstance(out, list) else [out.data]
        assert row == pytest.approx(ours, abs=1e-12, rel=1e-12)


def test_to_torch_gradients_match_too() -> None:
    torch = pytest.importorskip("torch")
    model = MLP(2, [4, 1], activation="tanh", seed=0)
    seq = model.to_torch()
    model([0.5, -0.5]).backward()
    seq(torch.tensor([[0.5, -0.5]], dtype=torch.float64)).sum().backward()
    first = seq[0]
    ours = [w.grad for n in model.layers[0].neurons for w in n.w]
    assert first.weight.grad.flatten().tolist() == pytest.approx(ours, abs=1e-12)
