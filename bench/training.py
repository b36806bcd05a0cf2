"""Training-step benchmark: chainrule (eager and compiled) vs micrograd 0.1.0 vs PyTorch.

Workloads, each one full training step (forward over the batch, loss, backward, SGD):

* ``demo``: micrograd's own demo step: MLP(2, [16, 16, 1]) on 100 moons points, max-margin
  (hinge) loss + 1e-4 L2 on every parameter, SGD;
* ``digits``: a deeper and wider MLP(64, [64, 64, 10]) on 100 digits images, multi-class
  max-margin loss (micrograd has no log, so no cross-entropy), SGD.

Engines: micrograd 0.1.0; chainrule eager (the graph of every sample, built inside
``gc_paused`` as ``fit`` does); chainrule compiled (``engine="compiled"``: traced once,
each batch one NumPy program); PyTorch with one 0-dim tensor per scalar (the same
scalar graph as micrograd's); PyTorch vectorized (``nn.Linear``, one thread, float64).
All run in this one process, alternating, with ``gc.collect()`` before each timed run;
the table shows medians and each engine's speed-up over micrograd.

    python bench/training.py [--workload demo|digits|all] [--repeat 7]
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from autograd_core import gc_paused, vsum
from nn import MLP
from nn.data import load_digits, make_moons
from nn.losses import hinge, one_hot
from nn.training.compiled import CompiledModel

Step = Callable[[], float]


def workload(name: str) -> tuple[list[list[float]], list[int], int, list[int]]:
    """(X, labels, nin, layer sizes) for a workload."""
    if name == "demo":
        X, y = make_moons(100, noise=0.1, seed=0)
        return X, y, 2, [16, 16, 1]
    X, y = load_digits()
    rng = random.Random(0)
    idx = rng.sample(range(len(X)), 100)
    return [X[i] for i in idx], [y[i] for i in idx], 64, [64, 64, 10]


def _multi_hinge(scores: list[Any], label: int) -> Any:
    # sum_{j != y} max(0, 1 + s_j - s_y), written with ops every engine has.
    return sum((1 + s - scores[label]).relu() for j, s in enumerate(scores) if j != label)


def micrograd_step(X: list[list[float]], y: list[int], nin: int, sizes: list[int]) -> Step:
    """micrograd's demo training step (its README's loss function)."""
    from micrograd.engine import Value as MValue
    from micrograd.nn import MLP as MMLP

    # micrograd's topological sort is recursive and its sums are chains as long as the
    # parameter list (its L2 term): the digits workload needs ~20k frames.
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 100_000))
    random.seed(1337)
    model = MMLP(nin, sizes)
    binary = sizes[-1] == 1

    def step() -> float:
        inputs = [list(map(MValue, x)) for x in X]
        scores = list(map(model, inputs))
        if binary:
            losses = [(1 + -(2 * t - 1) * s).relu() for t, s in zip(y, scores)]
        else:
            losses = [_multi_hinge(s, t) for s, t in zip(scores, y)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg = 1e-4 * sum(p * p for p in model.parameters())
        total = data_loss + reg
        model.zero_grad()
        total.backward()
        for p in model.parameters():
            p.data -= 0.05 * p.grad
        return total.data

    return step


def chainrule_eager_step(X: list[list[float]], y: list[int], nin: int, sizes: list[int]) -> Step:
    """The same math on chainrule's eager engine (as ``fit`` runs it)."""
    model = MLP(nin, sizes, seed=0)
    params = model.parameters()

    def step() -> float:
        with gc_paused():
            losses = [hinge(model(x), t) for x, t in zip(X, y)]
            total = vsum(losses) * (1.0 / len(losses)) + vsum([p * p for p in params]) * 1e-4
            for p in params:
                p.grad = 0.0
            total.backward()
            loss = total.data
            del losses, total  # freed before the collector resumes, as fit does
        for p in params:
            p.data -= 0.05 * p.grad
        return loss

    return step


def chainrule_compiled_step(X: list[list[float]], y: list[int], nin: int, sizes: list[int]) -> Step:
    """The same math on chainrule's compiled engine (``fit(..., engine="compiled")``)."""
    model = MLP(nin, sizes, seed=0)
    params = model.parameters()
    k = sizes[-1]
    compiled = CompiledModel(model, hinge, (lambda t: one_hot(t, k)) if k > 1 else None)

    def step() -> float:
        assert compiled.model is model  # the programs hold their model weakly: keep it alive here
        for p in params:
            p.grad = 0.0
        loss = compiled.loss_and_grad(X, y, None, 1.0 / len(X))
        reg = vsum([p * p for p in params]) * 1e-4
        reg.backward()
        for p in params:
            p.data -= 0.05 * p.grad
        return loss + reg.data

    return step


def chainrule_fit_step(X: list[list[float]], y: list[int], nin: int, sizes: list[int]) -> Step:
    """One full-batch epoch of ``nn.fit`` itself (eager engine), so the loop's own
    overhead (validation of the data, History, the collector pause) is billed too. Its
    L2 term covers the weights only (``fit``'s convention), micrograd's every parameter."""
    from nn import fit, optim

    model = MLP(nin, sizes, seed=0)
    opt = optim.SGD(model.parameters(), lr=0.05)

    def step() -> float:
        hist = fit(model, X, y, loss="hinge", optimizer=opt, epochs=1, l2=1e-4, progress=False, shuffle=False)
        return float(hist["loss"][-1])

    return step


def torch_scalar_step(X: list[list[float]], y: list[int], nin: int, sizes: list[int]) -> Step:
    """micrograd's scalar graph with one 0-dim PyTorch tensor per number."""
    import torch

    g = torch.Generator().manual_seed(0)
    dims = [nin, *sizes]
    layers = []
    for i in range(len(sizes)):
        layer = []
        for _ in range(dims[i + 1]):
            w = [
                torch.empty((), dtype=torch.float64).uniform_(-1, 1, generator=g).requires_grad_()
                for _ in range(dims[i])
            ]
            layer.append((w, torch.zeros((), dtype=torch.float64, requires_grad=True)))
        layers.append(layer)
    params = [p for layer in layers for w, b in layer for p in (*w, b)]

    def forward(x: list[Any]) -> list[Any]:
        h = x
        for li, layer in enumerate(layers):
            out = [sum((wi * xi for wi, xi in zip(w, h)), b) for w, b in layer]
            h = out if li == len(layers) - 1 else [o.relu() for o in out]
        return h

    def step() -> float:
        scores = [forward([torch.tensor(v, dtype=torch.float64) for v in x]) for x in X]
        if sizes[-1] == 1:
            losses = [(1 - (2 * t - 1) * s[0]).relu() for t, s in zip(y, scores)]
        else:
            losses = [_multi_hinge(s, t) for s, t in zip(scores, y)]
        total = sum(losses) / len(losses) + 1e-4 * sum(p * p for p in params)
        for p in params:
            p.grad = None
        total.backward()
        with torch.no_grad():
            for p in params:
                p -= 0.05 * p.grad
        return float(total.detach())

    return step


def torch_vector_step(X: list[list[float]], y: list[int], nin: int, sizes: list[int]) -> Step:
    """The usual PyTorch: nn.Linear layers over the whole batch (one thread, float64)."""
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(0)
    dims = [nin, *sizes]
    mods: list[Any] = []
    for i in range(len(sizes)):
        mods.append(torch.nn.Linear(dims[i], dims[i + 1], dtype=torch.float64))
        if i < len(sizes) - 1:
            mods.append(torch.nn.ReLU())
    net = torch.nn.Sequential(*mods)
    opt = torch.optim.SGD(net.parameters(), lr=0.05)
    Xt = torch.tensor(X, dtype=torch.float64)
    yt = torch.tensor(y)

    def step() -> float:
        scores = net(Xt)
        if sizes[-1] == 1:
            loss = torch.relu(1 - (2 * yt - 1) * scores[:, 0]).mean()
        else:
            correct = scores.gather(1, yt[:, None])
            margins = torch.relu(1 + scores - correct)
            loss = (margins.sum(dim=1) - 1).mean()  # drop the j == y term (it is exactly 1)
        loss = loss + 1e-4 * sum((p * p).sum() for p in net.parameters())
        opt.zero_grad()
        loss.backward()
        opt.step()
        return float(loss.detach())

    return step


ENGINES: dict[str, Callable[..., Step]] = {
    "micrograd": micrograd_step,
    "chainrule eager": chainrule_eager_step,
    "chainrule fit (eager)": chainrule_fit_step,
    "chainrule compiled": chainrule_compiled_step,
    "torch scalar": torch_scalar_step,
    "torch vectorized": torch_vector_step,
}


def run(name: str, repeat: int, skip: set[str]) -> dict[str, float]:
    """Median seconds per step for each available engine on one workload."""
    X, y, nin, sizes = workload(name)
    steps: dict[str, Step] = {}
    for engine, make in ENGINES.items():
        if engine in skip:
            continue
        try:
            steps[engine] = make(X, y, nin, sizes)
        except ImportError:
            print(f"({engine} not installed: skipped)")
    for step in steps.values():  # warm-up: traces, caches, first allocations
        step()
    times: dict[str, list[float]] = {e: [] for e in steps}
    for _ in range(repeat):
        for engine, step in steps.items():
            gc.collect()
            t = time.perf_counter()
            step()
            times[engine].append(time.perf_counter() - t)
    return {e: statistics.median(ts) for e, ts in times.items()}


def report(name: str, med: dict[str, float]) -> None:
    """Print one workload's table."""
    base = med.get("micrograd")
    vec = med.get("torch vectorized")
    print(f"\n{name}: median seconds per training step")
    print("| engine | ms per step | speed-up over micrograd | time / torch vectorized's |")
    print("|---|---:|---:|---:|")
    for engine, t in med.items():
        ratio = f"{base / t:.1f}x" if base else "-"
        vs_vec = f"{t / vec:.2f}" if vec else "-"
        print(f"| {engine} | {t * 1000:.2f} | {ratio} | {vs_vec} |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workload", choices=["demo", "digits", "all"], default="all")
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per engine (median; >= 5)")
    parser.add_argument("--skip", default="", help="comma-separated engines to leave out")
    args = parser.parse_args(argv)
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    names = ["demo", "digits"] if args.workload == "all" else [args.workload]
    for name in names:
        report(name, run(name, args.repeat, skip))


if __name__ == "__main__":
    main()
