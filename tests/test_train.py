"""fit: real training runs (moons, XOR, digits), the three batch modes, early stopping,
regularisation, the History, the progress bar and bad input."""

from __future__ import annotations

import math
from typing import Any

import pytest

from nn import MLP, History, fit, optim, predict, predict_classes
from nn.data import XOR_TABLE, load_digits, make_blobs, make_moons, train_test_split
from nn.metrics import accuracy
from nn.training.callbacks import Callback


def test_moons_reaches_97_percent() -> None:
    # The exact calls.
    X, y = make_moons(200, noise=0.1, seed=0)
    model = MLP(2, [16, 16, 1], seed=0)
    hist = fit(
        model,
        X,
        y,
        loss="bce",
        optimizer=optim.Adam(model.parameters(), lr=0.01),
        epochs=150,
        batch_size=None,
        progress=False,
    )
    assert "| epoch | loss |" in hist.table()
    assert accuracy(y, predict_classes(model, X)) >= 0.97
    assert hist["loss"][-1] < 0.2 * hist["loss"][0]


def test_xor_is_solved() -> None:
    X, y = XOR_TABLE
    model = MLP(2, [4, 1], activation="tanh", output_activation="sigmoid", seed=1)
    fit(model, X, y, loss="bce", optimizer=optim.Adam(model.parameters(), lr=0.1), epochs=300, progress=False)
    assert predict_classes(model, X) == y
    assert all(abs(p - t) < 0.1 for p, t in zip(predict(model, X), y))


def test_digits_reach_90_percent_on_held_out_images() -> None:
    # A subset keeps CI quick: 500 training and 300 test images of the 1,797.
    X, y = load_digits()
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, seed=0, stratify=True)
    Xtr, ytr, Xte, yte = Xtr[:500], ytr[:500], Xte[:300], yte[:300]
    model = MLP(64, [16, 10], seed=0)
    fit(
        model,
        Xtr,
        ytr,
        loss="cross_entropy",
        optimizer=optim.Adam(model.parameters(), lr=0.01),
        epochs=10,
        batch_size=32,
        progress=False,
    )
    assert accuracy(yte, predict_classes(model, Xte)) >= 0.90


@pytest.mark.parametrize("batch_size", [1, 16, None])
def test_online_minibatch_and_full_batch_all_learn(batch_size: int | None) -> None:
    X, y = make_blobs(60, centers=2, std=0.8, seed=3)
    model = MLP(2, [8, 1], seed=0)
    opt = optim.SGD(model.parameters(), lr=0.05)
    hist = fit(model, X, y, loss="hinge", optimizer=opt, epochs=15, batch_size=batch_size, progress=False)
    assert hist["loss"][-1] < hist["loss"][0]
    assert accuracy(y, predict_classes(model, X)) >= 0.95


def test_same_seed_same_run() -> None:
    X, y = make_moons(40, noise=0.1, seed=1)

    def run() -> list[float]:
        m = MLP(2, [6, 1], seed=5)
        return fit(m, X, y, loss="bce", epochs=5, batch_size=8, seed=11, progress=False)["loss"]

    assert run() == run()


@pytest.mark.parametrize("engine", ["eager", "compiled"])
def test_a_full_batch_is_every_sample_whatever_shuffle_says(engine: str) -> None:
    """A full batch is not shuffled (its order would only change how its sums round):
    shuffle=True and shuffle=False train to the same bits; mini-batches are shuffled
    (the seed picks the order) and a shuffled run differs from an unshuffled one."""
    X, y = make_moons(40, noise=0.1, seed=1)

    def run(batch_size: int | None, shuffle: bool, seed: int = 11) -> tuple[list[float], list[float]]:
        m = MLP(2, [6, 1], seed=5)
        hist = fit(m, X, y, loss="bce", epochs=4, batch_size=batch_size, shuffle=shuffle, seed=seed,
                   engine=engine, progress=False)  # fmt: skip
        return hist["loss"], [p.data for p in m.parameters()]

    assert run(None, True) == run(None, False) == run(None, True, seed=12)
    assert run(8, True) != run(8, False)
    assert run(8, True) != run(8, True, seed=12)


def test_the_eager_engine_frees_its_graph_before_the_collector_resumes() -> None:
    """fit pauses the cyclic collector while a batch's graph is built; the graph is
    freed before it resumes, so a collection that starts as it resumes finds next to
    nothing to scan (alive, the graph's tens of thousands of young objects would be
    scanned once more: a tenth of a step). Tuples freed to their free lists still count
    as allocations, so a collection may start: what matters is what it finds."""
    import gc

    from nn.losses import hinge
    from nn.training.engines import EagerEngine, Penalty

    X, y = make_moons(100, noise=0.1, seed=0)
    model = MLP(2, [16, 16, 1], seed=0)
    engine = EagerEngine(model, hinge, None, Penalty(model, 0.0, 1e-4))
    scanned: list[int] = []  # the young objects each collection started with

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            scanned.append(len(gc.get_objects(generation=info["generation"])))

    gc.collect()
    gc.callbacks.append(seen)
    try:
        loss = engine.loss_and_grad(X, y)
    finally:
        gc.callbacks.remove(seen)
    assert math.isfinite(loss) and any(p.grad != 0.0 for p in model.parameters())
    assert all(n < 2_000 for n in scanned), f"objects a collection met during the step: {scanned}"


def test_early_stopping_stops_and_restores_the_best_weights() -> None:
    X, y = make_moons(60, noise=0.3, seed=0)
    Xv, yv = make_moons(60, noise=0.3, seed=1)
    model = MLP(2, [32, 32, 1], seed=0)
    hist = fit(
        model,
        X,
        y,
        loss="bce",
        optimizer=optim.Adam(model.parameters(), lr=0.05),
        epochs=400,
        validation=(Xv, yv),
        early_stopping=10,
        progress=False,
    )
    assert hist.stopped_early and len(hist) < 400
    best = hist.best_epoch
    assert best is not None and len(hist) == best + 10
    assert min(hist["val_loss"]) == hist["val_loss"][best - 1]
    # The model holds the best epoch's weights: its validation loss is that minimum.
    from nn.losses import bce

    val = sum(bce(model(x), t).data for x, t in zip(Xv, yv)) / len(Xv)
    assert val == pytest.approx(hist["val_loss"][best - 1], rel=1e-12)


def test_l2_shrinks_weights_and_l1_zeroes_some() -> None:
    X, y = make_moons(60, noise=0.2, seed=0)

    def norms(**kw: float) -> tuple[float, int]:
        m = MLP(2, [16, 1], seed=0)
        fit(
            m,
            X,
            y,
            loss="bce",
            optimizer=optim.Adam(m.parameters(), lr=0.02),
            epochs=60,
            progress=False,
            **kw,
        )
        ws = [w.data for w in m.weights()]
        return math.sqrt(sum(w * w for w in ws)), sum(abs(w) < 1e-2 for w in ws)

    plain, l2, l1 = norms(), norms(l2=0.05), norms(l1=0.05)
    assert l2[0] < 0.7 * plain[0]
    assert l1[1] > plain[1]


def test_history_records_metrics_and_converts() -> None:
    X, y = make_moons(40, noise=0.1, seed=0)
    Xv, yv = make_moons(20, noise=0.1, seed=1)
    hist = fit(
        MLP(2, [8, 1], seed=0),
        X,
        y,
        loss="bce",
        epochs=4,
        validation=(Xv, yv),
        metrics=["accuracy", "f1"],
        progress=False,
    )
    d = hist.to_dict()
    for col in ("epoch", "loss", "val_loss", "accuracy", "val_accuracy", "f1", "val_f1", "lr", "seconds"):
        assert len(d[col]) == 4
    assert d["epoch"] == [1, 2, 3, 4]
    assert isinstance(hist, History) and str(hist) == hist.table()
    assert "val_accuracy" in hist.table()
    with pytest.raises(KeyError, match="no column"):
        hist["precision"]


def test_scheduler_and_class_weights_are_used() -> None:
    X, y = make_blobs(80, centers=2, weights=[0.9, 0.1], seed=0)
    m = MLP(2, [8, 1], seed=0)
    opt = optim.SGD(m.parameters(), lr=0.1)
    hist = fit(
        m,
        X,
        y,
        loss="bce",
        optimizer=opt,
        epochs=6,
        scheduler=optim.StepLR(opt, 2, 0.5),
        class_weight="balanced",
        progress=False,
    )
    assert hist["lr"] == [0.1, 0.1, 0.05, 0.05, 0.025, 0.025]


def test_conjugate_gradient_and_rprop_train_full_batch() -> None:
    X, y = make_moons(60, noise=0.1, seed=0)
    for make_opt in (lambda p: optim.ConjugateGradient(p, lr=0.5), lambda p: optim.Rprop(p, lr=0.01)):
        m = MLP(2, [8, 1], activation="tanh", seed=0)
        hist = fit(m, X, y, loss="bce", optimizer=make_opt(m.parameters()), epochs=30, progress=False)
        assert hist["loss"][-1] < 0.6 * hist["loss"][0]


def test_progress_bar_shows_the_loss(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("tqdm")
    X, y = make_moons(20, noise=0.1, seed=0)
    fit(MLP(2, [4, 1], seed=0), X, y, loss="bce", epochs=3, progress=True)
    err = capsys.readouterr().err
    assert "training" in err and "3/3" in err and "loss=" in err


def test_divergence_is_reported_not_hidden() -> None:
    X, y = [[1e3, -1e3], [2e3, 1e3]], [1e6, -1e6]
    m = MLP(2, [8, 1], seed=0)
    with pytest.warns(UserWarning, match="diverged"):
        hist = fit(
            m, X, y, loss="mse", optimizer=optim.SGD(m.parameters(), lr=10.0), epochs=50, progress=False
        )
    assert hist.diverged and len(hist) < 50


@pytest.mark.parametrize(
    ("X", "y", "loss", "words"),
    [
        ([[0.0, 1.0], [1.0, 0.0]], [0], "bce", "2 samples but y has 1"),
        ([[0.0, 1.0, 2.0]], [0], "bce", "expects 2 inputs, got 3"),
        ([[0.0, 1.0]], [2], "bce", "outside the classes 0 or 1"),
        ([[0.0, float("nan")]], [0], "bce", "NaN"),
        ([], [], "bce", "empty"),
        ([[0.0, 1.0]], [0.5], "hinge", "outside the classes"),
        ([[0.0, 1.0]], [float("inf")], "mse", "finite"),
    ],
)
def test_bad_input_fails_before_training(X, y, loss, words) -> None:  # type: ignore[no-untyped-def]
    model = MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match=words):
        fit(model, X, y, loss=loss, epochs=1, progress=False)
    assert model.state_dict() == before


def test_multiclass_label_range_is_checked() -> None:
    model = MLP(2, [3, 3], seed=0)
    with pytest.raises(ValueError, match=r"0\.\.2"):
        fit(model, [[0.0, 1.0]], [3], loss="cross_entropy", epochs=1, progress=False)
    with pytest.raises(ValueError, match="validation data"):
        fit(model, [[0.0, 1.0]], [1], loss="cross_entropy", validation=([[1.0]], [0]), progress=False)
    with pytest.raises(ValueError, match="epochs"):
        fit(model, [[0.0, 1.0]], [1], loss="cross_entropy", epochs=0, progress=False)
    with pytest.raises(ValueError, match="unknown metric"):
        fit(model, [[0.0, 1.0]], [1], loss="cross_entropy", metrics=["auc"], progress=False)


@pytest.mark.parametrize("engine", ["eager", "compiled"])
def test_a_numpy_table_is_read_without_lists(engine: str) -> None:
    """A 2-D array of samples goes into fit (its validation samples too, and the compiled
    predict) as an array: never through tolist and back (32 + 21 ms for 10000 x 64),
    with the numbers the same lists give, metrics included; changing the array during
    the call changes nothing."""
    np = pytest.importorskip("numpy")

    class NoLists(np.ndarray):  # type: ignore[type-arg]
        def tolist(self) -> Any:  # type: ignore[override]
            raise AssertionError("the samples went through a list")

    X, y = make_moons(60, noise=0.1, seed=0)
    Xv, yv = make_moons(30, noise=0.1, seed=1)
    table, table_v = np.array(X).view(NoLists), np.array(Xv).view(NoLists)

    def run(samples: Any, validation: Any = (Xv, yv)) -> tuple[list[Any], list[Any], list[float]]:
        m = MLP(2, [6, 1], seed=0)
        hist = fit(m, samples, y, loss="bce", epochs=3, batch_size=16, metrics=["accuracy"],
                   validation=validation, engine=engine, progress=False)  # fmt: skip
        seen = [hist[k] for k in ("loss", "accuracy", "val_loss", "val_accuracy")]
        return seen[:2], seen[2:], [p.data for p in m.parameters()]

    assert run(table, (table_v, yv)) == run(X)
    model = MLP(2, [6, 1], seed=0)
    assert predict(model, table, engine="compiled") == predict(model, X, engine="compiled")
    before = run(np.array(X))
    again = np.array(X)
    m = MLP(2, [6, 1], seed=0)
    fit(m, again, y, loss="bce", epochs=3, batch_size=16, engine=engine, progress=False,
        callbacks=[_Scribble(again)])  # fmt: skip
    assert [p.data for p in m.parameters()] == before[2]


class _Scribble(Callback):
    """Overwrites the caller's array after every batch: training must not see it."""

    def __init__(self, array: Any) -> None:
        self.array = array

    def on_batch_end(self, run: Any, loss: float) -> None:
        self.array[:] = 1e6


def test_numpy_input_is_accepted() -> None:
    np = pytest.importorskip("numpy")
    X, y = make_moons(30, noise=0.1, seed=0)
    hist = fit(MLP(2, [4, 1], seed=0), np.array(X), np.array(y), loss="bce", epochs=2, progress=False)
    assert len(hist) == 2
