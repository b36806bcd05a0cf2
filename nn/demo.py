"""``python -m nn.demo``: train an MLP with a progress bar, print its accuracy, and write
the pictures: the computation graph of one neuron's forward pass and its backward replay,
the network diagram, the loss curve and the decision boundary.

    python -m nn.demo --data moons --layers 16,16 --optimizer adam --epochs 100 --out demo_output
"""

from __future__ import annotations

import argparse
import importlib.util
import time
from pathlib import Path

from autograd_core.viz import RenderError, Replay, available_renderer, draw_graph, explain, last_renderer

from . import optim
from .data import make_blobs, make_circles, make_moons, make_spirals, make_xor, train_test_split
from .metrics import accuracy
from .module import MLP
from .training import fit, predict_classes
from .viz import draw_mlp, neuron_graph, plot_decision_boundary, plot_history
from .viz.plots import pyplot

DATASETS = {
    "moons": lambda n, seed: make_moons(n, noise=0.1, seed=seed),
    "circles": lambda n, seed: make_circles(n, noise=0.08, seed=seed),
    "spirals": lambda n, seed: make_spirals(n, classes=2, noise=0.15, seed=seed),
    "xor": lambda n, seed: make_xor(n, seed=seed),
    "blobs": lambda n, seed: make_blobs(n, centers=2, seed=seed),
}


def parse_layers(text: str) -> list[int]:
    """ "16,16" -> [16, 16]; a clear error otherwise."""
    try:
        sizes = [int(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"layers must be comma-separated integers, got {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"layers must be positive sizes, got {text!r}")
    return sizes


def build_parser(prog: str = "python -m nn.demo") -> argparse.ArgumentParser:
    """The command-line options (``prog``: how the command was typed, for its usage line)."""
    from .usage import help_text

    p = argparse.ArgumentParser(
        prog=prog,
        description=help_text(__doc__, prog, "nn.demo"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--data", choices=sorted(DATASETS), default="moons", help="toy data set (default moons)")
    p.add_argument("--samples", type=int, default=200, help="number of samples (default 200)")
    p.add_argument("--layers", type=parse_layers, default=[16, 16], help="hidden layer sizes (default 16,16)")
    p.add_argument("--activation", default="relu", help="hidden activation (default relu)")
    p.add_argument(
        "--optimizer", choices=sorted(optim.PRESETS), default="adam", help="optimizer (default adam)"
    )
    p.add_argument("--lr", type=float, default=None, help="learning rate (default: per optimizer)")
    p.add_argument("--epochs", type=int, default=100, help="training epochs (default 100)")
    p.add_argument("--batch-size", type=int, default=None, help="mini-batch size (default: full batch)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument(
        "--engine",
        choices=["eager", "compiled"],
        default="compiled",
        help="training engine (default compiled: the same numbers, much faster)",
    )
    p.add_argument(
        "--out", type=Path, default=Path("demo_output"), help="output folder (default demo_output)"
    )
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    return p


def neuron_pictures(model: MLP, x: list[float], target: int, out: Path) -> dict[str, Path]:
    """The most active first-layer neuron inside the whole forward pass of one training
    point (``nn.viz.neuron_graph``): its picture and its backward replay, showing the same
    numbers. Every gradient is d loss / d value as it flows through this neuron: the
    replay is seeded with the neuron's real upstream gradient d loss / d a, and the
    picture shows where that replay ends (the printed caption says which numbers these are)."""
    node = neuron_graph(model, x, target, layer=0, loss="bce")
    replay = explain(node, grad=node.grad, forward=True)
    # One set of names and one number style for both files, so they print alike.
    picture = draw_graph(node, color_by="grad", names=replay.names, number_format=replay.number)
    files = {"neuron graph": picture.save_svg(out / "neuron_graph.svg")}
    files["backward replay"] = replay.save_html(out / "neuron_backward.html")
    print(neuron_caption(replay, model))
    model.zero_grad()
    return files


def neuron_caption(replay: Replay, model: MLP) -> str:
    """What the picture and the replay of a first-layer neuron of ``model`` show, in words
    and in their own numbers: the seed, and the inputs' gradients (their share through
    this one neuron)."""
    f, names = replay.number, replay.names
    root = names[id(replay.root)]
    params = {id(p) for p in model.parameters()}
    inputs = [v for v in replay.order if v.is_leaf and id(v) not in params]
    shares = ", ".join(f"{names[id(v)]} {f(replay.gradient(v))}" for v in inputs)
    width = model.layers[0].nout
    return (
        f"neuron {root} of hidden layer 1 for the first training point: the picture and the "
        f"replay show d loss / d value through this neuron, seeded with d loss / d {root} = "
        f"{f(replay.seed)}; the inputs get {shares}: their share through this neuron only "
        f"(d loss / d x sums such shares over all {width} neurons of the layer)"
    )


def check_viz_extra() -> None:
    """Exit before training, naming the extra, when the pictures cannot be made."""
    missing = [name for name in ("graphviz", "matplotlib") if importlib.util.find_spec(name) is None]
    if missing:
        raise SystemExit(
            f"the demo draws pictures and needs {' and '.join(missing)}: pip install 'chainrule[viz]'"
        )
    try:
        available_renderer()
    except RenderError as exc:
        raise SystemExit(str(exc)) from None


def main(argv: list[str] | None = None, prog: str = "python -m nn.demo") -> dict[str, Path]:
    """Run the demo; returns the files written, by role."""
    args = build_parser(prog).parse_args(argv)
    check_viz_extra()
    start = time.perf_counter()
    args.out.mkdir(parents=True, exist_ok=True)
    X, y = DATASETS[args.data](args.samples, args.seed)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, seed=args.seed, stratify=True)
    model = MLP(2, [*args.layers, 1], activation=args.activation, seed=args.seed)
    print(f"{args.data}: {len(Xtr)} training and {len(Xte)} test points; model {model}")
    model.summary()
    opt = optim.make_optimizer(args.optimizer, model.parameters(), args.lr)
    hist = fit(
        model,
        Xtr,
        ytr,
        loss="bce",
        optimizer=opt,
        epochs=args.epochs,
        batch_size=args.batch_size,
        validation=(Xte, yte),
        metrics=["accuracy"],
        progress=not args.no_progress,
        seed=args.seed,
        engine=args.engine,
    )
    train_acc = accuracy(ytr, predict_classes(model, Xtr))
    test_acc = accuracy(yte, predict_classes(model, Xte))
    print(
        f"accuracy: training {train_acc:.1%}, test {test_acc:.1%} after {len(hist)} epochs "
        f"({hist.total_seconds:.1f} s of training)"
    )

    plt = pyplot()
    files = neuron_pictures(model, Xtr[0], ytr[0], args.out)
    files["network diagram"] = draw_mlp(model).save_svg(args.out / "network.svg")
    for role, name, draw in (
        ("loss curve", "loss.png", lambda: plot_history(hist, path=args.out / "loss.png")),
        (
            "decision boundary",
            "boundary.png",
            lambda: plot_decision_boundary(model, X, y, path=args.out / "boundary.png", steps=200),
        ),
    ):
        plt.close(draw().figure)  # saved: a script keeps no figure open
        files[role] = args.out / name
    print(f"pictures rendered with {last_renderer()}; wrote:")
    for role, path in files.items():
        print(f"  {role:<18} {path} ({path.stat().st_size:,} bytes)")
    print(f"demo took {time.perf_counter() - start:.1f} s")
    return files


if __name__ == "__main__":
    main()
