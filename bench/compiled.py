"""The compiled engine at the floor: one full-batch training step against PyTorch, JAX and
the same step written out by hand in NumPy.

Workload: MLP(2, [H, H, 1]) with ReLU, float64, N moons points, MSE on the 0/1 label,
one SGD step (lr 0.05). Engines:

* ``chainrule``: what ``fit(..., engine="compiled", batch_size=None)`` does per epoch:
  ``optimizer.zero_grad()``, the ``CompiledEngine``'s ``loss_and_grad`` and
  ``optim.SGD.step()`` (the per-parameter Python update is billed too);
* ``torch``: ``nn.Linear`` layers, ``torch.set_num_threads(1)``, float64;
* ``jax.jit``: ``value_and_grad`` and the update in one jitted function (float64);
* ``by hand``: forward and backward written out in NumPy (three matrix products
  forward, the transposed ones back), updating the weights in place.

Every engine runs in this one process, interleaved (one run of each in turn, a run being
as many steps in a row as take ~20 ms, as in a training loop), with ``gc.collect()``
before each timed run; the table shows medians per step. Every engine gets ``--threads``
threads (default 1, as torch's). Peak memory of one step is measured with
``tracemalloc`` (NumPy reports its buffers to it; torch and JAX do not, so only
chainrule and the hand-written step get a number), the arrays chainrule keeps between
steps included. A last table splits chainrule's step into the compiled program, the
engine around it and the optimizer.

``--level fit`` times what a user runs instead: ``fit(model, X, y, loss="mse",
optimizer=SGD, epochs=20, engine="compiled", batch_size=None)`` on the data as
``make_moons`` gives it (lists), per epoch, with everything ``fit`` does billed (checking
and reading the data, the history, the callbacks); and a ``fit(..., epochs=1)`` call, as
a notebook makes to plot as it trains, against an epoch of the 20-epoch call.
``--dtype float32`` runs chainrule's program in single precision (``fit(...,
dtype="float32")``), the other engines in float64 as before.

    python bench/compiled.py [--level step|fit] [--dtype float64|float32] [--repeat 15]
                             [--sizes 100x16,1000x16,1000x64,10000x64] [--threads 1]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np

from nn import MLP, fit, optim
from nn.data import make_moons
from nn.losses import mse
from nn.training.engines import CompiledEngine, Penalty

Step = Callable[[], Any]
LR = 0.05
SIZES = "100x16,1000x16,1000x64,10000x64"
THREADS = {"n": 1}  # threads for every engine (set by --threads)
DTYPE = {"name": "float64"}  # chainrule's program precision (set by --dtype)
FIT_EPOCHS = 20  # epochs of the long fit call at --level fit


def moons(n: int) -> tuple[list[list[float]], list[float]]:
    """``n`` moons points and their 0/1 labels as float regression targets."""
    X, y = make_moons(n, noise=0.1, seed=0)
    return X, [float(t) for t in y]


class ChainruleStep:
    """zero_grad, the compiled engine's loss_and_grad and SGD: one epoch of ``fit``, on the
    data as ``fit`` passes it (read into arrays once, before the first epoch)."""

    def __init__(self, X: list[list[float]], y: list[float], h: int) -> None:
        self.X, self.y = np.array(X), np.array(y)
        model = MLP(2, [h, h, 1], seed=0)
        self.engine = CompiledEngine(model, mse, "mse", None, Penalty(model, 0.0, 0.0))  # as fit: no weights
        self.opt = optim.SGD(model.parameters(), lr=LR)

    def __call__(self) -> float:
        self.opt.zero_grad()
        loss = self.engine.loss_and_grad(self.X, self.y)
        self.opt.step()
        return loss

    def parts(self) -> dict[str, Step]:
        """The step cut in three: the compiled program alone (its forward and backward,
        gradients not written to the parameters), the engine around it (batch conversion,
        gradients into every ``.grad``), and the optimizer (``zero_grad`` and SGD)."""
        program = next(iter(self.engine.program.programs.values()))
        table = np.hstack([np.array(self.X), np.array(self.y)[:, None]])
        weight = 1.0 / len(self.y)

        def optimizer() -> None:
            self.opt.zero_grad()
            self.opt.step()

        return {
            "program": lambda: program.backward(table, weight=weight, check=False, accumulate=False),
            "engine (loss_and_grad)": lambda: self.engine.loss_and_grad(self.X, self.y),
            "optimizer (zero_grad + step)": optimizer,
        }


class FitEpochs:
    """``fit(..., engine="compiled", batch_size=None)`` as a user calls it, ``epochs``
    epochs per call; ``epochs`` is what one call is divided by to give a time per epoch."""

    def __init__(self, X: list[list[float]], y: list[float], h: int, epochs: int, dtype: str = "") -> None:
        self.X, self.y, self.epochs, self.dtype = X, y, epochs, dtype
        self.model = MLP(2, [h, h, 1], seed=0)
        self.opt = optim.SGD(self.model.parameters(), lr=LR)

    def __call__(self) -> float:
        history = fit(self.model, self.X, self.y, loss="mse", optimizer=self.opt, epochs=self.epochs,
                      engine="compiled", batch_size=None, progress=False,
                      dtype=self.dtype or DTYPE["name"])  # fmt: skip
        return float(history.history["loss"][-1])


def chainrule_step(X: list[list[float]], y: list[float], h: int) -> Step:
    """One epoch of ``fit`` with the compiled engine (see ``ChainruleStep``)."""
    return ChainruleStep(X, y, h)


def _initial_weights(h: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """chainrule's initial weights as (W, b) per layer, so every engine starts alike."""
    model = MLP(2, [h, h, 1], seed=0)
    return [
        (np.array([[w.data for w in n.w] for n in layer.neurons]), np.zeros(layer.nout))
        for layer in model.layers
    ]


def by_hand_step(X: list[list[float]], y: list[float], h: int) -> Step:
    """Forward and backward written out in NumPy (batch first), SGD in place."""
    Xa, ya = np.array(X), np.array(y)
    (W1, b1), (W2, b2), (W3, b3) = _initial_weights(h)
    n = len(ya)

    def step() -> float:
        z1 = Xa @ W1.T + b1
        a1 = np.maximum(z1, 0.0)
        z2 = a1 @ W2.T + b2
        a2 = np.maximum(z2, 0.0)
        r = (a2 @ W3.T + b3)[:, 0] - ya
        loss = float(r @ r) / n
        d3 = (2.0 / n) * r[:, None]  # d loss / d output, (n, 1)
        dz2 = (d3 @ W3) * (z2 > 0.0)
        dz1 = (dz2 @ W2) * (z1 > 0.0)
        grads = [(d3.T @ a2, d3.sum(0)), (dz2.T @ a1, dz2.sum(0)), (dz1.T @ Xa, dz1.sum(0))]
        for (W, b), (dW, db) in zip([(W3, b3), (W2, b2), (W1, b1)], grads):
            W -= LR * dW
            b -= LR * db
        return loss

    return step


def torch_step(X: list[list[float]], y: list[float], h: int) -> Step:
    """nn.Linear layers over the whole batch, one thread, float64."""
    import torch

    torch.set_num_threads(THREADS["n"])
    layers = []
    for W, b in _initial_weights(h):
        lin = torch.nn.Linear(W.shape[1], W.shape[0], dtype=torch.float64)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(W))
            lin.bias.copy_(torch.from_numpy(b))
        layers += [lin, torch.nn.ReLU()]
    net = torch.nn.Sequential(*layers[:-1])
    opt = torch.optim.SGD(net.parameters(), lr=LR)
    Xt, yt = torch.tensor(X, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)

    def step() -> float:
        loss = ((net(Xt)[:, 0] - yt) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        return float(loss.detach())

    return step


def jax_step(X: list[list[float]], y: list[float], h: int) -> Step:
    """value_and_grad and the SGD update, jitted together (float64)."""
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    params = [(jnp.asarray(W), jnp.asarray(b)) for W, b in _initial_weights(h)]
    Xj, yj = jnp.asarray(X), jnp.asarray(y)

    def loss_fn(ps: Any, xs: Any, ts: Any) -> Any:
        a = xs
        for i, (W, b) in enumerate(ps):
            a = a @ W.T + b
            if i < len(ps) - 1:
                a = jax.nn.relu(a)
        return jnp.mean((a[:, 0] - ts) ** 2)

    @jax.jit
    def update(ps: Any, xs: Any, ts: Any) -> Any:
        loss, grads = jax.value_and_grad(loss_fn)(ps, xs, ts)
        return loss, jax.tree_util.tree_map(lambda p, g: p - LR * g, ps, grads)

    state = {"params": params}

    def step() -> float:
        loss, state["params"] = update(state["params"], Xj, yj)
        return float(jax.block_until_ready(loss))

    return step


ENGINES: dict[str, Callable[[list[list[float]], list[float], int], Step]] = {
    "chainrule": chainrule_step,
    "torch": torch_step,
    "jax.jit": jax_step,
    "by hand": by_hand_step,
}
FIT_ENGINES: dict[str, Callable[[list[list[float]], list[float], int], Step]] = {
    "chainrule fit": lambda X, y, h: FitEpochs(X, y, h, FIT_EPOCHS),
    "one-epoch fit": lambda X, y, h: FitEpochs(X, y, h, 1),
    # with --dtype float32: the float64 epoch too, timed alternately in this same process
    "fit float64": lambda X, y, h: FitEpochs(X, y, h, FIT_EPOCHS, "float64"),
    "torch": torch_step,
    "jax.jit": jax_step,
    "by hand": by_hand_step,
}


def make_steps(n: int, h: int, missing: set[str], engines: dict[str, Any] = ENGINES) -> dict[str, Step]:
    """One step function per installed engine (warmed up: traced, jitted, allocated)."""
    X, y = moons(n)
    steps: dict[str, Step] = {}
    for name, make in engines.items():
        try:
            steps[name] = make(X, y, h)
        except ImportError:
            missing.add(name)
            continue
        for _ in range(2):
            steps[name]()
    return steps


def inner_count(step: Step, at_least: float = 0.02) -> int:
    """How many steps one timed run makes, so that it lasts ``at_least`` seconds (as
    ``timeit`` does: a single fast step would time the clock and a cold cache)."""
    t = time.perf_counter()
    step()
    once = time.perf_counter() - t
    return max(1, min(1000, int(at_least / max(once, 1e-7))))


def time_steps(steps: dict[str, Step], repeat: int) -> dict[str, float]:
    """Median seconds per step, the engines interleaved run by run (each run a few
    steps in a row, ``gc.collect()`` before it)."""
    inner = {name: inner_count(step) for name, step in steps.items()}
    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(repeat):
        for name, step in steps.items():
            gc.collect()
            t = time.perf_counter()
            for _ in range(inner[name]):
                step()
            epochs = getattr(step, "epochs", 1)  # a fit call of several epochs: time per epoch
            times[name].append((time.perf_counter() - t) / inner[name] / epochs)
    return {name: statistics.median(ts) for name, ts in times.items()}


def peak_bytes(step: Step) -> int:
    """The most memory one step holds at once beyond what was held before it. The
    arrays compiled programs keep between calls are freed first, so that they count."""
    try:
        from autograd_core.compile import release_buffers

        release_buffers()
    except ImportError:  # an older chainrule keeps nothing between calls
        pass
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        step()
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


def limit_threads(n: int) -> None:
    """Run every engine on ``n`` threads: NumPy's BLAS through threadpoolctl (when
    installed), torch through ``set_num_threads``, XLA through its flags (before JAX is
    imported). On a shared 2-core machine, BLAS threads that spin-wait between calls
    would otherwise steal the core the next engine runs on."""
    THREADS["n"] = n
    if n == 1 and "jax" not in sys.modules:
        flags = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
        os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {flags}".strip()
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(n, user_api="blas")
    except ImportError:
        print("(threadpoolctl is not installed: NumPy's BLAS keeps its own thread count)")


def blas_summary() -> str:
    """Which BLAS NumPy calls, and with how many threads."""
    try:
        from threadpoolctl import threadpool_info

        found = [
            f"{i['internal_api']} {i.get('version')} ({i.get('architecture')}, {i['num_threads']} threads)"
            for i in threadpool_info()
            if i["user_api"] == "blas" and "numpy" in i.get("filepath", "")
        ]
        if found:
            return "; ".join(found)
    except ImportError:
        pass
    config: Any = np.show_config(mode="dicts")
    blas = config.get("Build Dependencies", {}).get("blas", {})
    return f"{blas.get('name', '?')} {blas.get('version', '')} (from np.show_config; threads unknown)"


def breakdown(step: Step, repeat: int) -> dict[str, float]:
    """Median seconds of each part of chainrule's step, each timed on its own."""
    assert isinstance(step, ChainruleStep)
    return time_steps(step.parts(), repeat)


Row = tuple[str, dict[str, float], dict[str, int], dict[str, float]]


def report(rows: list[Row], missing: set[str]) -> None:
    """Print the timing table, the peak-memory table and where chainrule's time goes."""
    names = [e for e in ENGINES if e not in missing]
    print("\nmedian ms per training step")
    head = " | ".join(f"{e} ms" for e in names)
    print(f"| N x H | {head} | chainrule / torch | chainrule / by hand |")
    print("|---" * (len(names) + 3) + "|")
    for size, med, _, _ in rows:
        cells = " | ".join(f"{med[e] * 1e3:.3g}" for e in names)
        vs_torch = f"{med['chainrule'] / med['torch']:.2f}" if "torch" in med else "-"
        vs_hand = med["chainrule"] / med["by hand"]
        print(f"| {size} | {cells} | {vs_torch} | {vs_hand:.2f} |")
    print("\npeak memory of one step (tracemalloc)")
    print("| N x H | chainrule MB | by hand MB | chainrule / by hand |")
    print("|---|---:|---:|---:|")
    for size, _, peak, _ in rows:
        c, b = peak["chainrule"], peak["by hand"]
        print(f"| {size} | {c / 1e6:.2f} | {b / 1e6:.2f} | {c / b:.2f} |")
    parts = list(rows[0][3])
    print("\nchainrule's step in parts (each timed alone, median ms; engine includes program)")
    print("| N x H | " + " | ".join(parts) + " | program / by hand |")
    print("|---" * (len(parts) + 2) + "|")
    for size, med, _, split in rows:
        cells = " | ".join(f"{split[p] * 1e3:.3g}" for p in parts)
        print(f"| {size} | {cells} | {split['program'] / med['by hand']:.2f} |")
    for name in sorted(missing):
        print(f"({name} is not installed: its column is left out)")


def report_fit(rows: list[tuple[str, dict[str, float]]], missing: set[str]) -> None:
    """Print the fit-level table: a 20-epoch call's epoch against the peers' steps, and a
    one-epoch call against that epoch."""
    peers = [e for e in ("torch", "jax.jit", "by hand") if e not in missing]
    print(f"\nmedian ms per epoch of fit(..., engine='compiled', batch_size=None), {DTYPE['name']}")
    head = " | ".join(f"{e} ms" for e in peers)
    ratios = " | ".join(f"fit / {e}" for e in peers)
    print(f"| N x H | fit epoch ms | one-epoch fit call ms | {head} | {ratios} | one-epoch call / epoch |")
    print("|---" * (3 + 2 * len(peers) + 1) + "|")
    for size, med in rows:
        f, one = med["chainrule fit"], med["one-epoch fit"]
        cells = " | ".join(f"{med[e] * 1e3:.3g}" for e in peers)
        rel = " | ".join(f"{f / med[e]:.2f}" for e in peers)
        print(f"| {size} | {f * 1e3:.3g} | {one * 1e3:.3g} | {cells} | {rel} | {one / f:.2f} |")
        if DTYPE["name"] != "float64":
            f64 = med["fit float64"]
            print(f"|   float64's epoch, timed alongside: {f64 * 1e3:.3g} ms, {f64 / f:.2f}x this one |")
    for name in sorted(missing):
        print(f"({name} is not installed: its column is left out)")


def main(argv: list[str] | None = None) -> None:
    """Parse the options, run every size, print the tables."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=15, help="timed runs per engine and size (median)")
    parser.add_argument("--sizes", default=SIZES, help=f"comma-separated NxH (default {SIZES})")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="threads for NumPy's BLAS, torch and XLA (default 1, as torch's)",
    )
    parser.add_argument(
        "--level", choices=("step", "fit"), default="step", help="time a step, or fit's epochs"
    )
    parser.add_argument(
        "--dtype", choices=("float64", "float32"), default="float64", help="chainrule's precision"
    )
    args = parser.parse_args(argv)
    DTYPE["name"] = args.dtype
    limit_threads(args.threads)
    print(f"NumPy {np.__version__}, BLAS: {blas_summary()}")
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        print(f"  {var}={os.environ.get(var, '(unset)')}")
    missing: set[str] = set()
    if args.level == "fit":
        fit_rows = []
        for size in args.sizes.split(","):
            n, h = (int(v) for v in size.lower().split("x"))
            engines = {k: v for k, v in FIT_ENGINES.items() if k != "fit float64" or args.dtype != "float64"}
            med = time_steps(make_steps(n, h, missing, engines), args.repeat)
            fit_rows.append((f"{n} x {h}", med))
            print(f"{n} x {h}: " + ", ".join(f"{e} {t * 1e3:.3g} ms" for e, t in med.items()), flush=True)
        report_fit(fit_rows, missing)
        return
    rows = []
    for size in args.sizes.split(","):
        n, h = (int(v) for v in size.lower().split("x"))
        steps = make_steps(n, h, missing)
        med = time_steps(steps, args.repeat)
        peak = {name: peak_bytes(steps[name]) for name in ("chainrule", "by hand")}
        rows.append((f"{n} x {h}", med, peak, breakdown(steps["chainrule"], args.repeat)))
        print(f"{n} x {h}: " + ", ".join(f"{e} {t * 1e3:.3g} ms" for e, t in med.items()), flush=True)
    report(rows, missing)


if __name__ == "__main__":
    main()
