"""Classification metrics on plain label lists: accuracy, precision, recall, F1, the
confusion matrix and a per-class report. Binary and multi-class; the definitions (and
the 0-when-undefined convention) follow scikit-learn's, and the tests compare with it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .arraylike import to_list

Labels = Sequence[Any]
AVERAGES = ("binary", "macro", "micro", "weighted")


def _labels(y: Any, what: str) -> list[int]:
    """Class labels as ints; a label that is not a whole number is an error, not
    truncated (0.7 is not class 0)."""
    labels = []
    for i, v in enumerate(to_list(y, what)):
        if isinstance(v, float) and not v.is_integer():
            raise ValueError(f"{what}[{i}] = {v!r} is not a class label (a whole number)")
        try:
            labels.append(int(v))
        except (TypeError, ValueError, OverflowError):
            raise ValueError(f"{what}[{i}] = {v!r:.40} is not a class label (a whole number)") from None
    return labels


def _check(y_true: Labels, y_pred: Labels) -> tuple[list[int], list[int]]:
    yt, yp = _labels(y_true, "y_true"), _labels(y_pred, "y_pred")
    if len(yt) != len(yp):
        raise ValueError(f"y_true has {len(yt)} labels but y_pred has {len(yp)}")
    if not yt:
        raise ValueError("metrics need at least one label")
    return yt, yp


def accuracy(y_true: Labels, y_pred: Labels) -> float:
    """Fraction of labels predicted exactly."""
    yt, yp = _check(y_true, y_pred)
    return sum(a == b for a, b in zip(yt, yp)) / len(yt)


def confusion_matrix(y_true: Labels, y_pred: Labels, labels: Sequence[int] | None = None) -> list[list[int]]:
    """``m[i][j]`` counts samples of true class ``labels[i]`` predicted as ``labels[j]``."""
    yt, yp = _check(y_true, y_pred)
    classes = list(labels) if labels is not None else sorted(set(yt) | set(yp))
    index = {c: i for i, c in enumerate(classes)}
    m = [[0] * len(classes) for _ in classes]
    for a, b in zip(yt, yp):
        if a in index and b in index:
            m[index[a]][index[b]] += 1
    return m


def _per_class(yt: list[int], yp: list[int], classes: list[int]) -> list[tuple[int, int, int, int]]:
    """(true positives, false positives, false negatives, support) per class."""
    out = []
    for c in classes:
        tp = sum(a == c and b == c for a, b in zip(yt, yp))
        fp = sum(a != c and b == c for a, b in zip(yt, yp))
        fn = sum(a == c and b != c for a, b in zip(yt, yp))
        out.append((tp, fp, fn, tp + fn))
    return out


def _ratio(num: float, den: float) -> float:
    return num / den if den else 0.0  # scikit-learn's zero_division=0


def _score(kind: str, y_true: Labels, y_pred: Labels, average: str, pos_label: int) -> float:
    if average not in AVERAGES:
        raise ValueError(f"unknown average {average!r}; choose one of {AVERAGES}")
    yt, yp = _check(y_true, y_pred)
    classes = sorted(set(yt) | set(yp))
    if average == "binary":
        if len(classes) > 2:
            raise ValueError(f"average='binary' needs two classes, got {classes}; use 'macro' or 'weighted'")
        classes = [pos_label]
    stats = _per_class(yt, yp, classes)

    def one(tp: float, fp: float, fn: float) -> float:
        p, r = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
        return {"precision": p, "recall": r, "f1": _ratio(2 * p * r, p + r)}[kind]

    if average == "micro":
        return one(sum(s[0] for s in stats), sum(s[1] for s in stats), sum(s[2] for s in stats))
    scores = [one(tp, fp, fn) for tp, fp, fn, _ in stats]
    if average == "weighted":
        total = sum(s[3] for s in stats)
        return _ratio(sum(sc * s[3] for sc, s in zip(scores, stats)), total)
    return sum(scores) / len(scores)


def precision(y_true: Labels, y_pred: Labels, average: str = "binary", pos_label: int = 1) -> float:
    """TP / (TP + FP): of the samples predicted positive, how many are."""
    return _score("precision", y_true, y_pred, average, pos_label)


def recall(y_true: Labels, y_pred: Labels, average: str = "binary", pos_label: int = 1) -> float:
    """TP / (TP + FN): of the positive samples, how many were found."""
    return _score("recall", y_true, y_pred, average, pos_label)


def f1(y_true: Labels, y_pred: Labels, average: str = "binary", pos_label: int = 1) -> float:
    """2 P R / (P + R): the harmonic mean of precision and recall."""
    return _score("f1", y_true, y_pred, average, pos_label)


def classification_report(y_true: Labels, y_pred: Labels) -> dict[str, dict[str, float]]:
    """Per-class precision, recall, F1 and support, plus macro and weighted averages."""
    yt, yp = _check(y_true, y_pred)
    classes = sorted(set(yt) | set(yp))
    report: dict[str, dict[str, float]] = {}
    for c, (tp, fp, fn, support) in zip(classes, _per_class(yt, yp, classes)):
        p, r = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
        report[str(c)] = {"precision": p, "recall": r, "f1": _ratio(2 * p * r, p + r), "support": support}
    for avg in ("macro", "weighted"):
        report[f"{avg} avg"] = {
            "precision": precision(yt, yp, avg),
            "recall": recall(yt, yp, avg),
            "f1": f1(yt, yp, avg),
            "support": len(yt),
        }
    report["accuracy"] = {"accuracy": accuracy(yt, yp), "support": len(yt)}
    return report


def format_report(report: dict[str, dict[str, float]]) -> str:
    """``classification_report`` as a markdown table."""
    lines = ["| class | precision | recall | f1 | support |", "|---|---|---|---|---|"]
    for name, row in report.items():
        if name == "accuracy":
            lines.append(f"| accuracy | | | {row['accuracy']:.3f} | {int(row['support'])} |")
        else:
            lines.append(
                f"| {name} | {row['precision']:.3f} | {row['recall']:.3f} | {row['f1']:.3f} | "
                f"{int(row['support'])} |"
            )
    return "\n".join(lines)


METRICS = {
    "accuracy": accuracy,
    "precision": lambda t, p: precision(t, p, "binary" if len(set(t) | set(p)) <= 2 else "macro"),
    "recall": lambda t, p: recall(t, p, "binary" if len(set(t) | set(p)) <= 2 else "macro"),
    "f1": lambda t, p: f1(t, p, "binary" if len(set(t) | set(p)) <= 2 else "macro"),
}
