"""The calls people type from habit (Keras, scikit-learn, PyTorch): each works as they
expect or says what to pass instead."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from nn import MLP, fit, optim, predict, predict_classes, predict_proba
from nn.data import make_blobs, make_moons


def test_an_optimizer_by_name_as_in_keras() -> None:
    X, y = make_moons(60, seed=0)
    for name in ("adam", "adamw", "sgd", "momentum", "nesterov", "rmsprop", "rprop"):
        model = MLP(2, [8, 1], seed=0)
        hist = fit(model, X, y, loss="bce", optimizer=name, epochs=15, progress=False)
        assert hist["loss"][-1] < hist["loss"][0], name
    with pytest.raises(ValueError, match="unknown optimizer 'adamm'"):
        fit(MLP(2, [1]), X, y, optimizer="adamm", progress=False)


def test_an_optimizer_class_says_how_to_make_one() -> None:
    X, y = make_moons(20, seed=0)
    with pytest.raises(TypeError, match=r"pass optim\.Adam\(model\.parameters\(\), lr=\.\.\.\)"):
        fit(MLP(2, [4, 1]), X, y, optimizer=optim.Adam, progress=False)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"nn\.optim optimizer"):
        fit(MLP(2, [4, 1]), X, y, optimizer=0.01, progress=False)  # type: ignore[arg-type]


def test_history_history_is_the_dict_of_columns_as_in_keras() -> None:
    X, y = make_moons(30, seed=0)
    hist = fit(MLP(2, [4, 1], seed=0), X, y, loss="bce", epochs=3, progress=False, metrics=["accuracy"])
    assert hist.history["loss"] == hist["loss"] and len(hist.history["loss"]) == 3
    assert set(hist.history) >= {"epoch", "loss", "accuracy", "lr"}


@pytest.mark.parametrize(
    ("nouts", "output_activation"),
    [([4, 1], "sigmoid"), ([4, 1], None), ([4, 3], "softmax"), ([4, 3], None), ([4, 1], "tanh")],
)
def test_predict_proba_rows_are_probabilities(nouts: list[int], output_activation: str | None) -> None:
    model = MLP(2, nouts, output_activation=output_activation, seed=1)
    X = [[0.5, -1.0], [2.0, 0.3], [-1.5, 1.5]]
    rows = predict_proba(model, X)
    assert len(rows) == 3 and all(len(r) == max(2, nouts[-1]) for r in rows)
    for r in rows:
        assert sum(r) == pytest.approx(1.0) and all(0.0 <= p <= 1.0 for p in r)
    outs = predict(model, X)
    if nouts[-1] == 1:  # the class-1 column grows with the output, whatever the activation
        order = sorted(range(3), key=lambda i: outs[i])
        assert [rows[i][1] for i in order] == sorted(r[1] for r in rows)
        if output_activation == "sigmoid":
            assert [r[1] for r in rows] == pytest.approx(outs)
    labels = predict_classes(model, X)
    assert labels == [max(range(len(r)), key=r.__getitem__) for r in rows]


def test_labels_as_a_column_train_as_labels() -> None:
    X, y = make_moons(40, seed=0)
    column = np.array(y).reshape(-1, 1)
    a = fit(MLP(2, [4, 1], seed=0), X, y, loss="bce", epochs=3, progress=False)
    b = fit(MLP(2, [4, 1], seed=0), X, column, loss="bce", epochs=3, progress=False)
    assert a["loss"] == b["loss"]


def test_one_hot_labels_with_cross_entropy() -> None:
    X, y = make_blobs(45, centers=3, seed=0)
    k = max(y) + 1
    one_hot = np.eye(k)[y]
    a = fit(MLP(2, [6, k], seed=0), X, y, loss="cross_entropy", epochs=3, progress=False)
    b = fit(MLP(2, [6, k], seed=0), X, one_hot, loss="cross_entropy", epochs=3, progress=False)
    assert a["loss"] == b["loss"]
    bad = one_hot.copy()
    bad[4] = [0.5, 0.5] + [0.0] * (k - 2)
    with pytest.raises(ValueError, match=r"class indices \(0\.\.k-1\) or one-hot rows; row 4"):
        fit(MLP(2, [6, k]), X, bad, loss="cross_entropy", progress=False)


def test_one_sample_given_to_predict_says_pass_a_list_of_samples() -> None:
    model = MLP(2, [4, 1])
    with pytest.raises(ValueError, match="pass a list of samples"):
        predict(model, [0.5, 1.0])
    with pytest.raises(ValueError, match="pass a list of samples"):
        predict(model, np.array([0.5, 1.0]))
    assert len(predict(model, [[0.5, 1.0]])) == 1
    assert len(predict(MLP(1, [3, 1]), [0.5, 1.0, 2.0])) == 3  # one input each: a list of samples


def test_a_class_weight_for_no_class_is_refused() -> None:
    X, y = make_moons(20, seed=0)
    with pytest.raises(ValueError, match=r"class_weight names \[2\].*not a class"):
        fit(MLP(2, [4, 1]), X, y, loss="bce", class_weight={0: 1.0, 2: 3.0}, progress=False)
    fit(MLP(2, [4, 1]), X, y, loss="bce", class_weight={0: 1.0, 1: 3.0}, epochs=1, progress=False)


def test_the_table_names_how_training_diverged() -> None:
    X, y = [[1e3, -1e3], [2e3, 1e3]], [1e6, -1e6]  # as tests/test_train.py's divergence
    model = MLP(2, [8, 1], seed=0)
    with pytest.warns(UserWarning, match="training diverged: the loss"):
        hist = fit(model, X, y, optimizer=optim.SGD(model.parameters(), lr=10.0), epochs=50, progress=False)
    assert hist.diverged
    assert f"training diverged: {hist.divergence}" in hist.table()
    epoch = len(hist)
    last = hist["loss"][-1]
    if math.isnan(last):
        assert hist.divergence == f"the loss became nan at epoch {epoch}"
    elif math.isinf(last):
        assert hist.divergence == f"the loss became inf at epoch {epoch}"
    else:  # still finite: it is the ten-orders-of-magnitude rule, and the table says so
        pattern = rf"the loss passed \S+ \(1e\+10 times the first epoch's \S+\) at epoch {epoch}, "
        pattern += r"reaching \S+"
        assert re.fullmatch(pattern, hist.divergence), hist.divergence


def test_layer_sizes_given_as_a_number_say_they_are_a_list() -> None:
    with pytest.raises(TypeError, match=r"layer sizes are a list.*MLP\(2, \[16, 1\]\)"):
        MLP(2, 16)  # type: ignore[arg-type]


def test_the_history_table_shows_as_a_table_in_a_notebook() -> None:
    X, y = make_moons(20, seed=0)
    hist = fit(MLP(2, [4, 1], seed=0), X, y, loss="bce", epochs=2, progress=False)
    table = hist.table()
    assert table.startswith("| epoch | loss |") and str(table) == table  # text for print
    assert table._repr_markdown_() == str(table)  # type: ignore[attr-defined]
