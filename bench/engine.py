"""Engine benchmark: microseconds per node, forward and backward, chainrule vs micrograd.

Workload: a balanced sum of products over a 100k-node graph (balanced, so micrograd's
recursive topological sort does not hit Python's recursion limit). Both engines run in
this one process, alternating, with ``gc.collect()`` before each timed run so that one
engine's leftover cyclic garbage is not billed to the next; medians of the runs.

    python bench/engine.py [--nodes 100000] [--repeat 7] [--gc-off]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable
from typing import Any


def balanced_graph(make: Callable[[float], Any], n_leaves: int) -> tuple[list[Any], Any]:
    """Leaves x_i; level 0 multiplies neighbours, then sums pairwise up to one root."""
    leaves = [make(0.5 + (i % 7) * 0.1) for i in range(n_leaves)]
    level = [leaves[i] * leaves[i + 1] for i in range(0, n_leaves - 1, 2)]
    while len(level) > 1:
        nxt = [level[i] + level[i + 1] for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return leaves, level[0]


def count_nodes(n_leaves: int) -> int:
    products = n_leaves // 2
    return n_leaves + products + (products - 1)


def run_once(engine: str, n_leaves: int) -> tuple[float, float]:
    if engine == "chainrule":
        from autograd_core import Value
    else:
        from micrograd.engine import Value  # type: ignore[no-redef]
    t0 = time.perf_counter()
    _leaves, root = balanced_graph(Value, n_leaves)
    t1 = time.perf_counter()
    root.backward()
    t2 = time.perf_counter()
    del _leaves, root
    return t1 - t0, t2 - t1


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--nodes", type=int, default=100_000, help="approximate graph size")
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per engine (median)")
    parser.add_argument("--gc-off", action="store_true", help="disable the cyclic GC for both engines")
    args = parser.parse_args(argv)
    n_leaves = args.nodes // 2
    nodes = count_nodes(n_leaves)
    engines = ["chainrule", "micrograd"]
    times: dict[str, list[tuple[float, float]]] = {e: [] for e in engines}
    if args.gc_off:
        gc.disable()
    for _ in range(args.repeat):
        for e in engines:
            gc.collect()
            times[e].append(run_once(e, n_leaves))
    gc.enable()
    print(
        f"graph: balanced sum of products, {nodes:,} nodes; gc {'off' if args.gc_off else 'default'}; "
        f"median of {args.repeat}"
    )
    print(f"{'engine':<12}{'forward us/node':>17}{'backward us/node':>18}{'total us/node':>15}")
    med = {}
    for e in engines:
        f = statistics.median(t[0] for t in times[e]) / nodes * 1e6
        b = statistics.median(t[1] for t in times[e]) / nodes * 1e6
        med[e] = (f, b)
        print(f"{e:<12}{f:>17.3f}{b:>18.3f}{f + b:>15.3f}")
    cf, cb = med["chainrule"]
    mf, mb = med["micrograd"]
    print(
        f"ratio micrograd/chainrule: forward {mf / cf:.1f}x, backward {mb / cb:.1f}x, "
        f"total {(mf + mb) / (cf + cb):.1f}x"
    )


if __name__ == "__main__":
    main()
