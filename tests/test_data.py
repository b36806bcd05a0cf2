"""Toy data, the real digits set, splitting and preprocessing."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from nn import data


@pytest.mark.parametrize(
    ("make", "classes"),
    [
        (lambda s: data.make_moons(101, noise=0.1, seed=s), 2),
        (lambda s: data.make_circles(101, noise=0.05, seed=s), 2),
        (lambda s: data.make_spirals(101, classes=3, seed=s), 3),
        (lambda s: data.make_xor(101, seed=s), 2),
        (lambda s: data.make_blobs(101, centers=4, seed=s), 4),
    ],
)
def test_generators_shapes_labels_and_seeds(make, classes) -> None:  # type: ignore[no-untyped-def]
    X, y = make(0)
    assert len(X) == len(y) == 101 and all(len(x) == 2 for x in X)
    assert isinstance(X, list) and isinstance(X[0], list) and isinstance(y[0], int)
    assert set(y) == set(range(classes))
    assert make(0) == (X, y) and make(1) != (X, y)


def test_moons_geometry() -> None:
    X, y = data.make_moons(200, noise=0.0, seed=0)
    top = [x for x, t in zip(X, y) if t == 0]
    assert all(abs(a * a + b * b - 1) < 1e-9 for a, b in top)  # the upper unit half circle


def test_xor_labels_and_truth_table() -> None:
    X, y = data.make_xor(50, seed=0)
    assert all(t == int((a > 0) != (b > 0)) for (a, b), t in zip(X, y))
    assert data.XOR_TABLE[1] == [0, 1, 1, 0]


def test_blobs_imbalance() -> None:
    _, y = data.make_blobs(1000, centers=2, weights=[0.9, 0.1], seed=0)
    assert Counter(y) == {0: 900, 1: 100}
    with pytest.raises(ValueError, match="weights"):
        data.make_blobs(10, centers=2, weights=[1.0])


def test_digits_load_offline() -> None:
    X, y = data.load_digits()
    assert len(X) == 1797 and all(len(x) == 64 for x in X)
    assert set(y) == set(range(10)) and Counter(y)[0] == 178
    assert min(min(x) for x in X) == 0.0 and max(max(x) for x in X) == 1.0
    raw, _ = data.load_digits(normalize=False)
    assert max(max(x) for x in raw) == 16.0
    sk = pytest.importorskip("sklearn.datasets")
    d = sk.load_digits()
    assert raw == d.data.tolist() and y == d.target.tolist()


def test_train_test_split() -> None:
    X, y = data.make_blobs(100, centers=2, weights=[0.8, 0.2], seed=0)
    Xtr, Xte, _ytr, yte = data.train_test_split(X, y, test_size=0.25, seed=0, stratify=True)
    assert len(Xte) == 25 and len(Xtr) == 75
    assert Counter(yte) == {0: 20, 1: 5}
    assert sorted(map(tuple, Xtr + Xte)) == sorted(map(tuple, X))
    with pytest.raises(ValueError, match="test_size"):
        data.train_test_split(X, y, test_size=1.5)
    with pytest.raises(ValueError, match="100 samples but y has 3"):
        data.train_test_split(X, y[:3])


def test_preprocessing() -> None:
    X = [[1.0, 10.0], [2.0, 10.0], [3.0, 10.0]]
    s = np.array(data.standardize(X))
    assert s[:, 0].mean() == pytest.approx(0) and s[:, 0].std() == pytest.approx(1) and (s[:, 1] == 0).all()
    m = data.minmax_scale(X)
    assert [r[0] for r in m] == [0.0, 0.5, 1.0]
    assert data.minmax_scale([[4.0, 10.0]], reference=X) == [[1.5, 0.0]]
    P = np.array(data.pca([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]], 1))
    assert np.allclose(np.abs(P[:, 0]), [np.sqrt(2), 0, np.sqrt(2)])
    with pytest.raises(ValueError, match="NaN"):
        data.standardize([[1.0, float("nan")]])
    with pytest.raises(ValueError, match="n_components"):
        data.pca(X, 3)


def test_pca_agrees_with_scikit_learn() -> None:
    skd = pytest.importorskip("sklearn.decomposition")
    X, _ = data.load_digits()
    ours = np.array(data.pca(X[:200], 5))
    theirs = skd.PCA(5).fit_transform(np.array(X[:200]))
    for k in range(5):  # axes agree up to sign
        assert np.allclose(np.abs(ours[:, k]), np.abs(theirs[:, k]), atol=1e-8)
