"""Metrics against hand-made cases and, over random labels, against scikit-learn."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nn.metrics import (
    accuracy,
    classification_report,
    confusion_matrix,
    f1,
    format_report,
    precision,
    recall,
)


def test_binary_by_hand() -> None:
    yt = [1, 1, 1, 0, 0, 0, 0, 1]
    yp = [1, 0, 1, 0, 1, 0, 0, 1]
    # TP = 3, FP = 1, FN = 1, TN = 3
    assert accuracy(yt, yp) == 0.75
    assert precision(yt, yp) == 0.75 and recall(yt, yp) == 0.75 and f1(yt, yp) == 0.75
    assert confusion_matrix(yt, yp) == [[3, 1], [1, 3]]


def test_undefined_ratios_are_zero() -> None:
    assert precision([1, 0], [0, 0]) == 0.0 and f1([1, 0], [0, 0]) == 0.0


def test_report_and_errors() -> None:
    rep = classification_report([0, 1, 2, 2], [0, 2, 2, 2])
    assert rep["2"]["precision"] == pytest.approx(2 / 3) and rep["1"]["recall"] == 0.0
    assert rep["accuracy"]["accuracy"] == 0.75
    assert "| 2 | 0.667 | 1.000 | 0.800 | 2 |" in format_report(rep)
    with pytest.raises(ValueError, match="3 labels but y_pred has 2"):
        accuracy([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match="binary"):
        precision([0, 1, 2], [0, 1, 2])
    with pytest.raises(ValueError, match="average"):
        recall([0, 1], [0, 1], average="samples")


labels = st.integers(1, 40).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 3), min_size=n, max_size=n),
        st.lists(st.integers(0, 3), min_size=n, max_size=n),
    )
)


@given(labels, st.sampled_from(["macro", "micro", "weighted"]))
def test_multiclass_agrees_with_scikit_learn(pair: tuple[list[int], list[int]], average: str) -> None:
    skm = pytest.importorskip("sklearn.metrics")
    yt, yp = pair
    assert accuracy(yt, yp) == pytest.approx(skm.accuracy_score(yt, yp))
    for ours, theirs in ((precision, skm.precision_score), (recall, skm.recall_score), (f1, skm.f1_score)):
        assert ours(yt, yp, average) == pytest.approx(theirs(yt, yp, average=average, zero_division=0))
    classes = sorted(set(yt) | set(yp))
    assert confusion_matrix(yt, yp) == skm.confusion_matrix(yt, yp, labels=classes).tolist()


@given(st.lists(st.tuples(st.integers(0, 1), st.integers(0, 1)), min_size=1, max_size=40))
def test_binary_agrees_with_scikit_learn(pairs: list[tuple[int, int]]) -> None:
    skm = pytest.importorskip("sklearn.metrics")
    yt, yp = [a for a, _ in pairs], [b for _, b in pairs]
    assert precision(yt, yp) == pytest.approx(skm.precision_score(yt, yp, zero_division=0))
    assert recall(yt, yp) == pytest.approx(skm.recall_score(yt, yp, zero_division=0))
    assert f1(yt, yp) == pytest.approx(skm.f1_score(yt, yp, zero_division=0))
