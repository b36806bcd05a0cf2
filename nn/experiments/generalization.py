"""Experiments on generalisation and data: regularisation, training-set size (and time),
preprocessing, and class imbalance."""

from __future__ import annotations

from typing import Any

from .. import optim
from ..data import load_digits, make_blobs, make_moons, minmax_scale, pca, standardize, train_test_split
from ..metrics import classification_report
from ..training import fit, predict_classes
from .core import Table, acc, best_row, experiment, mlp


@experiment(
    "regularization", "regularisation (none, L1, L2, dropout, early stopping) vs training and test error"
)
def regularization(quick: bool) -> Table:
    """A big network on 40 noisy points: each method trades training error for test error.

    The network is trained long enough to memorise the 40 points (training error 0), so
    the unregularised run overfits; the quick run uses the same setting with fewer
    epochs (dropout runs on the eager engine, which is the slow part)."""
    X, y = make_moons(40, noise=0.3, seed=2)
    Xt, yt = make_moons(1000, noise=0.3, seed=3)
    Xv, yv = make_moons(40, noise=0.3, seed=4)  # for early stopping only
    n = 150 if quick else 300
    lr = 0.02
    settings: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
        ("none", {}, {}),
        ("L1 (1e-3)", {"l1": 1e-3}, {}),
        ("L2 (1e-2)", {"l2": 1e-2}, {}),
        ("dropout (0.3)", {}, {"dropout": 0.3}),
        ("early stopping (patience 20)", {"validation": (Xv, yv), "early_stopping": 20}, {}),
    ]
    rows = []
    for name, fit_kw, model_kw in settings:
        model = mlp(2, [16, 16, 1], **model_kw)
        engine = "eager" if "dropout" in model_kw else "compiled"  # dropout draws per-sample masks
        hist = fit(
            model,
            X,
            y,
            loss="bce",
            optimizer=optim.Adam(model.parameters(), lr=lr),
            epochs=n,
            progress=False,
            engine=engine,
            **fit_kw,
        )
        rows.append([name, 1 - acc(model, X, y), 1 - acc(model, Xt, yt), len(hist)])
    best = best_row(rows, 2, lowest=True)
    return Table(
        "regularization",
        f"Regularisation vs error (2-16-16-1 relu on 40 moons points, noise 0.3; Adam lr {lr}, "
        f"full batch, up to {n} epochs)",
        ["method", "training error", "test error", "epochs run"],
        rows,
        "Without regularisation the network is free to fit the noise of 40 points; each method "
        "gives up some training fit for a smoother boundary. Test error is on 1,000 fresh points; "
        f"lowest here: {best}. Early stopping watches 40 more points (a validation set).",
    )


@experiment("training_size", "training-set size vs accuracy, and training time as the data grows (digits)")
def training_size(quick: bool) -> Table:
    """Train on more and more digits images; test on the same held-out 400."""
    X, y = load_digits()
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=400 / len(X), seed=0, stratify=True)
    sizes = [25, 50, 100, 200] if quick else [25, 50, 100, 200, 400, 800, 1397]
    n = 10 if quick else 30
    rows = []
    for m in sizes:
        model = mlp(64, [32, 10])
        hist = fit(
            model,
            Xtr[:m],
            ytr[:m],
            loss="cross_entropy",
            optimizer=optim.Adam(model.parameters(), lr=0.01),
            epochs=n,
            batch_size=32,
            progress=False,
            engine="compiled",
        )
        rows.append([m, acc(model, Xtr[:m], ytr[:m]), acc(model, Xte, yte), hist.total_seconds / n * 1000])
    return Table(
        "training_size",
        f"Training-set size vs accuracy and time (digits, 64-32-10 relu/softmax, Adam lr 0.01, batch 32, "
        f"{n} epochs)",
        ["training images", "training accuracy", "test accuracy", "ms per epoch"],
        rows,
        "More data: test accuracy climbs toward training accuracy (less overfitting), and each "
        "epoch costs time in proportion to the data.",
        plot=("training images", ["training accuracy", "test accuracy"]),
    )


@experiment("preprocessing", "preprocessing (none, standardisation, min-max, PCA) vs accuracy (digits)")
def preprocessing(quick: bool) -> Table:
    """Raw pixels are 0..16; scaling the inputs changes how well plain SGD trains."""
    X, y = load_digits(normalize=False)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, seed=0, stratify=True)
    if quick:
        Xtr, ytr = Xtr[:300], ytr[:300]
    n = 10 if quick else 30
    variants = {
        "none (pixels 0..16)": (Xtr, Xte),
        "standardisation": (standardize(Xtr), standardize(Xte, reference=Xtr)),
        "min-max to [0, 1]": (minmax_scale(Xtr), minmax_scale(Xte, reference=Xtr)),
        "PCA, 20 components": (
            pca(standardize(Xtr), 20),
            pca(standardize(Xte, reference=Xtr), 20, reference=standardize(Xtr)),
        ),
    }
    rows = []
    for name, (A, B) in variants.items():
        model = mlp(len(A[0]), [32, 10])
        hist = fit(
            model,
            A,
            ytr,
            loss="cross_entropy",
            optimizer=optim.SGD(model.parameters(), lr=0.05),
            epochs=n,
            batch_size=32,
            progress=False,
            engine="compiled",
        )
        ok = not hist.diverged
        rows.append([name, len(A[0]), acc(model, A, ytr) if ok else None, acc(model, B, yte) if ok else None])
    return Table(
        "preprocessing",
        f"Preprocessing vs accuracy (digits, one hidden relu layer of 32; plain SGD lr 0.05, batch 32, "
        f"{n} epochs)",
        ["preprocessing", "inputs", "training accuracy", "test accuracy"],
        rows,
        "Statistics come from the training images only and are applied to the test images. "
        "Scaling changes the size of the pre-activations and so of every gradient step; PCA "
        f"keeps most of the signal in a third of the inputs. Best here: {best_row(rows, 3)}.",
    )


@experiment(
    "class_imbalance", "class imbalance: per-class precision, recall, F1 with and without reweighting"
)
def class_imbalance(quick: bool) -> Table:
    """Two overlapping blobs, 9 to 1; bce with and without class_weight='balanced'."""
    X, y = make_blobs(400, centers=2, std=2.5, weights=[0.9, 0.1], center_box=(-3, 3), seed=5)
    X, Xt, y, yt = train_test_split(X, y, test_size=0.5, seed=0, stratify=True)
    n = 40 if quick else 150
    rows = []
    for name, cw in (("unweighted", None), ("balanced weights", "balanced")):
        model = mlp(2, [16, 1])
        fit(
            model,
            X,
            y,
            loss="bce",
            optimizer=optim.Adam(model.parameters(), lr=0.01),
            epochs=n,
            class_weight=cw,
            progress=False,
            engine="compiled",
        )
        rep = classification_report(yt, predict_classes(model, Xt, engine="compiled"))
        for c in ("0", "1"):
            r = rep.get(c, {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0})
            rows.append(
                [
                    name,
                    f"{c} ({'majority' if c == '0' else 'minority'})",
                    r["precision"],
                    r["recall"],
                    r["f1"],
                    int(r["support"]),
                ]
            )
        rows.append(
            [name, "accuracy", None, None, rep["accuracy"]["accuracy"], int(rep["accuracy"]["support"])]
        )
    return Table(
        "class_imbalance",
        f"Class imbalance 9:1 (overlapping blobs, 2-16-1 relu, Adam lr 0.01, full batch, {n} epochs; "
        "test set)",
        ["training", "class", "precision", "recall", "F1", "support"],
        rows,
        "Unweighted, the network mostly answers 'majority' (high accuracy, poor minority recall). "
        "Weighting each class by n / (classes * count) trades some accuracy for finding the minority.",
    )
