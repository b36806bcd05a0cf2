"""Array-likes in, as scikit-learn takes them: lists, NumPy arrays, pandas DataFrames and
Series work in fit, predict, the metrics and train_test_split."""

from __future__ import annotations

import numpy as np
import pytest

from nn import MLP, fit, predict, predict_classes
from nn.data import make_moons, train_test_split
from nn.metrics import accuracy, f1

pd = pytest.importorskip("pandas")


def test_fit_and_predict_take_dataframes_and_series() -> None:
    X, y = make_moons(40, noise=0.1, seed=0)
    frame = pd.DataFrame(X, columns=["x1", "x2"])
    labels = pd.Series(y, name="label")
    a, b = MLP(2, [4, 1], seed=0), MLP(2, [4, 1], seed=0)
    ha = fit(a, frame, labels, loss="bce", epochs=3, progress=False, validation=(frame, labels))
    hb = fit(b, X, y, loss="bce", epochs=3, progress=False, validation=(X, y))
    assert ha["loss"] == hb["loss"] and ha["val_loss"] == hb["val_loss"]
    assert predict(a, frame) == predict(b, X)
    assert predict_classes(a, np.array(X)) == predict_classes(b, X)


def test_metrics_take_arrays_and_series_and_refuse_fractional_labels() -> None:
    y = [0, 1, 1, 0]
    p = [0, 1, 0, 0]
    assert accuracy(np.array(y), pd.Series(p)) == accuracy(y, p) == 0.75
    assert f1(pd.Series(y), np.array(p)) == f1(y, p)
    with pytest.raises(ValueError, match="not a class label"):
        accuracy([0.7], [0])


def test_train_test_split_stratifies_by_an_array_of_labels() -> None:
    X, y = make_moons(40, seed=0)
    y_arr = np.array(y)
    a = train_test_split(X, y_arr, test_size=0.25, seed=1, stratify=y_arr)
    b = train_test_split(X, y, test_size=0.25, seed=1, stratify=True)
    assert a[0] == b[0] and a[1] == b[1] and list(a[2]) == b[2]
    assert sorted(b[3]).count(1) == 5  # 20 of each class: 5 of each in the test set
    c = train_test_split(pd.DataFrame(X), pd.Series(y), seed=1, stratify=pd.Series(y))
    assert c[0] == b[0]
    with pytest.raises(ValueError, match="stratify has 3 labels"):
        train_test_split(X, y, stratify=[0, 1, 0])


def test_one_seed_convention_int_or_generator() -> None:
    rng = np.random.default_rng(7)
    a = MLP(2, [3, 1], seed=np.random.default_rng(7)).state_dict()
    b = MLP(2, [3, 1], seed=7).state_dict()
    assert a == b
    X1, _ = make_moons(10, seed=rng)
    X2, _ = make_moons(10, seed=rng)
    assert X1 != X2  # one generator threaded through: each call draws new numbers
    with pytest.raises(TypeError, match="seed must be"):
        MLP(2, [1], seed="seven")  # type: ignore[arg-type]
    assert MLP(2, [1], seed=np.random.default_rng(1)).config()["seed"] is None
