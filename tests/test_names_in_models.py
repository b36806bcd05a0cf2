"""A model's values are named by their place (issue 17, "names that mean nothing"):
weights w[layer][j,i], biases b[layer][j], sums w[layer][j]·x, pre-activations
z[layer][j], activations a[layer][j], the loss ``loss``; an RNN's W_xh[i,j], h[t][i], ...
Labels are names only: nothing saved, exported or computed changes. And the demo's
neuron picture and its backward replay show one set of numbers."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from autograd_core import Value, gradients, topological_order
from nn import MLP, RNN, predict
from nn.losses import bce, cross_entropy, hinge, mse
from nn.module import Layer, Neuron

SVG = "{http://www.w3.org/2000/svg}"


def labels(root: Value) -> set[str]:
    """Every label in the graph of ``root``."""
    return {v.label for v in topological_order(root)}


def parses_as_a_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_an_mlp_names_its_values_by_their_place() -> None:
    model = MLP(2, [2, 1], seed=0)
    loss = bce(model([0.5, -1.0]), 1)
    names = labels(loss)
    expected = {"x0", "x1", "w[1][0,0]", "w[1][1,1]", "b[1][0]", "z[1][0]", "a[1][1]", "w[2][0,1]"}
    expected |= {"b[2][0]", "z[2][0]", "w[1][0]·x", "w[2][0]·x", "loss"}
    assert expected <= names
    assert "a[2][0]" not in names  # the linear output neuron's output is z[2][0] itself
    params = model.parameters()
    assert [p.label for p in params] == [
        "w[1][0,0]", "w[1][0,1]", "b[1][0]", "w[1][1,0]", "w[1][1,1]", "b[1][1]",
        "w[2][0,0]", "w[2][0,1]", "b[2][0]",
    ]  # fmt: skip
    assert not [p.label for p in params if not p.label or parses_as_a_number(p.label)]
    assert loss.label == "loss"


def test_a_bare_neuron_and_a_bare_layer_name_their_values() -> None:
    n = Neuron(3, seed=0)
    assert [p.label for p in n.parameters()] == ["w[0]", "w[1]", "w[2]", "b"]
    a = n([1.0, 2.0, 3.0])
    assert a.label == "a" and {"w·x", "z", "a", "b"} <= labels(a)
    linear = Neuron(2, activation=None, seed=0)([1.0, 2.0])
    assert linear.label == "z" and "a" not in labels(linear)  # linear: z is the output
    layer = Layer(2, 3, seed=0)
    assert [p.label for p in layer.parameters()] == [
        "w[0,0]", "w[0,1]", "b[0]", "w[1,0]", "w[1,1]", "b[1]", "w[2,0]", "w[2,1]", "b[2]",
    ]  # fmt: skip
    outs = layer([1.0, -1.0])
    assert [o.label for o in outs] == ["a[0]", "a[1]", "a[2]"]
    assert {"z[0]", "z[2]", "w[1]·x"} <= set().union(*map(labels, outs))


def test_a_deeper_mlp_numbers_its_layers_as_summary_does() -> None:
    model = MLP(3, [4, 4, 2], activation="tanh", seed=0)
    assert "hidden 2" in model.summary_table()
    outs = model([0.1, 0.2, 0.3])
    assert [o.label for o in outs] == ["z[3][0]", "z[3][1]"]
    assert {"w[2][3,2]", "b[2][3]", "a[2][3]", "w[3][1,3]", "a[1][0]"} <= labels(outs[1])


def test_an_input_value_keeps_its_own_label() -> None:
    model = MLP(2, [2, 1], seed=0)
    mine, bare = Value(0.5, label="age"), Value(1.0)
    out = model([mine, bare])
    assert mine.label == "age" and bare.label == ""
    assert {"age", "w[1][0,0]"} <= labels(out) and "x0" not in labels(out)


def test_softmax_outputs_and_every_loss_are_named() -> None:
    model = MLP(2, [3, 3], output_activation="softmax", seed=0)
    probs = model([0.5, -0.5])
    assert [p.label for p in probs] == ["p[0]", "p[1]", "p[2]"]
    logits = MLP(2, [3], seed=0)([0.5, -0.5])
    z = logits[0]
    losses = [
        mse(z, 0.3), mse(logits, [0.1, 0.2, 0.3]), bce(z, 1), bce(z, 0), bce(z, Value(1.0)),
        bce(z.sigmoid(), 1, from_logits=False), cross_entropy(logits, 2),
        cross_entropy(probs, 1, from_logits=False), cross_entropy(logits, [0.0, 1.0, 0.0]),
        hinge(z, 1), hinge(logits, 0), hinge(logits, [1.0, 0.0, 0.0]),
    ]  # fmt: skip
    assert [loss.label for loss in losses] == ["loss"] * len(losses)
    # The detached largest logit that softmax subtracts is named, not a repeated z.
    single = MLP(2, [1], output_activation="softmax", seed=0)([0.5, -0.5])
    assert "max z" in labels(single) and single.label == "p[0]"


def test_labels_stay_out_of_everything_saved(tmp_path: Path) -> None:
    model = MLP(2, [2, 1], seed=0)
    assert list(model.state_dict()) == [
        "layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b",
        "layers.0.neurons.1.w.0", "layers.0.neurons.1.w.1", "layers.0.neurons.1.b",
        "layers.1.neurons.0.w.0", "layers.1.neurons.0.w.1", "layers.1.neurons.0.b",
    ]  # fmt: skip
    path = tmp_path / "model.json"
    model.save(path)
    text = path.read_text()
    assert "w[1]" not in text and "b[1]" not in text and "label" not in text
    loaded = MLP.load(path)
    assert [p.label for p in loaded.parameters()] == [p.label for p in model.parameters()]
    assert list(RNN(1, 2, seed=0).state_dict())[:5] == ["wx.0.0", "wh.0.0", "wh.0.1", "bh.0.b", "wx.1.0"]


def test_labels_change_no_number() -> None:
    X = [[0.5, -1.0], [0.1, 0.2], [-0.3, 0.9]]
    model = MLP(2, [3, 1], seed=0)
    named = [bce(model(x), 1) for x in X]
    grads = gradients(named[0], model.parameters())
    for v in model.parameters():
        v.label = ""
    plain = [bce(model(x), 1) for x in X]
    assert [v.data for v in plain] == [v.data for v in named]
    assert gradients(plain[0], model.parameters()) == grads
    eager = predict(model, X)
    assert predict(model, X, engine="compiled") == pytest.approx(eager, rel=1e-12, abs=1e-14)


def test_an_rnn_names_its_weights_and_states_by_step() -> None:
    rnn = RNN(2, 2, seed=0)
    assert {"W_xh[0,1]", "W_hh[1,0]", "b_h[1]", "W_hy[0,1]", "b_y[0]"} <= {p.label for p in rnn.parameters()}
    ys = rnn([[0.5, 1.0], [0.2, 0.3]])
    loss = mse(ys, [0.1, 0.2])
    names = labels(loss)
    expected = {"x[1][0]", "x[2][1]", "h[0][0]", "W·[x,h][1][0]", "z[1][1]", "h[1][0]", "h[2][1]"}
    expected |= {"W_hy·h[2][0]", "y[1][0]", "y[2][0]", "loss"}
    assert expected <= names
    assert not [p.label for p in rnn.parameters() if parses_as_a_number(p.label)]
    with pytest.raises(ValueError, match="h0 needs 2 values"):
        rnn([[0.5, 1.0]], h0=[0.0])


def test_the_neuron_picture_holds_the_numbers_its_replay_computes() -> None:
    from autograd_core import explain
    from nn.viz import neuron_graph

    model = MLP(2, [4, 3, 1], activation="tanh", seed=1)
    x = [0.3, -0.7]
    for layer in (0, 1):
        node = neuron_graph(model, x, 1, layer=layer, index=1)
        replay = explain(node, grad=node.grad)
        for v in topological_order(node):
            assert v.grad == replay.gradient(v), (layer, v.label)
    # The inputs' numbers are their share through each neuron: the shares of all the
    # first-layer neurons add up to the whole network's d loss / d x.
    shares = [0.0, 0.0]
    for j in range(4):
        node = neuron_graph(model, x, 1, layer=0, index=j)
        leaves = {v.label: v for v in topological_order(node)}
        shares = [shares[i] + leaves[f"x{i}"].grad for i in range(2)]
    xs = [Value(v) for v in x]
    whole = gradients(bce(model(xs), 1), xs)
    assert shares == pytest.approx(whole, rel=1e-12)
    assert shares[0] != leaves["x0"].grad  # one neuron's share is not the whole gradient


def _svg_grads(path: Path) -> dict[str, str]:
    """Value name -> its gradient as the picture prints it."""
    out = {}
    for g in ET.parse(path).getroot().iter(f"{SVG}g"):
        lines = [t.text or "" for t in g.iter(f"{SVG}text")]
        if (g.get("class") or "").startswith("node") and len(lines) >= 3 and lines[2].startswith("grad "):
            out[lines[0]] = lines[2].removeprefix("grad ")
    return out


def _page_grads(path: Path) -> tuple[dict[str, float], dict[str, str]]:
    """From the replay page: each value's gradient once every step is done (summed from
    the embedded step data), and the last "input grad so far" of the step table."""
    page = path.read_text(encoding="utf-8")
    data = json.loads(re.search(r'id="replay-data">(.*?)</script>', page, re.S).group(1))  # type: ignore[union-attr]
    final = {name: 0.0 for name in data["names"]}
    final[data["names"][data["root"]]] = data["seed"]
    for _, parent, contribution in data["steps"]:
        final[data["names"][parent]] += contribution
    table = {}
    for row in re.findall(r"<tr id=\"step-\d+\"[^>]*>(.*?)</tr>", page):
        cells = re.findall(r"<td>(.*?)</td>", row)
        if cells[-1]:  # backward rows: the input's gradient so far
            table[cells[3]] = cells[-1]
    return final, table


def test_the_demo_picture_and_replay_show_the_same_gradients(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("graphviz")
    from autograd_core.viz import RenderError, available_renderer
    from autograd_core.viz.colors import NumberFormat
    from nn.demo import neuron_pictures

    try:
        available_renderer()
    except RenderError as exc:
        pytest.skip(str(exc))
    model = MLP(2, [4, 4, 1], seed=0)
    files = neuron_pictures(model, [0.8, -0.4], 1, tmp_path)
    picture = _svg_grads(files["neuron graph"])
    replayed, table = _page_grads(files["backward replay"])
    assert {"x0", "x1", "loss"} & set(picture) == {"x0", "x1"}
    number = NumberFormat([])
    number.scientific = "e" in picture["x0"]
    assert set(picture) == set(replayed) and len(picture) >= 7
    for name, shown in picture.items():
        assert number(replayed[name]) == shown, name
    for name, shown in table.items():  # the table's last row for each input: the same
        assert shown == picture[name], name
    said = capsys.readouterr().out
    assert f"x0 {picture['x0']}, x1 {picture['x1']}" in said and "through this neuron" in said
    assert all(p.grad == 0.0 for p in model.parameters())  # left ready to train on
