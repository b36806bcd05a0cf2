"""Memory per node, and a million-node graph built, backpropagated and freed.

Bytes per node are measured with ``tracemalloc`` on a chain of additions (each step one
new node plus one constant leaf, for both engines), so they count everything a node
costs: the object, its parents, its local derivatives (micrograd: its ``__dict__``, the
``set`` of children and the closure). Then a 1,000,000-node chainrule graph is built,
backpropagated and deleted: peak memory, and the memory left after ``del`` (freed by
reference counting alone, the cyclic collector off).

    python bench/memory.py [--nodes 100000]
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc
from typing import Any


def chain(make: Any, n_steps: int) -> Any:
    x = make(0.5)
    y = x
    for _ in range(n_steps):
        y = y + 1e-6
    return y


def bytes_per_node(engine: str, n_steps: int) -> float:
    """tracemalloc bytes held by a chain of ``n_steps`` additions, per value made."""
    if engine == "chainrule":
        from autograd_core import Value
    else:
        from micrograd.engine import Value  # type: ignore[no-redef]
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    root = chain(Value, n_steps)
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    del root
    gc.collect()
    return held / (2 * n_steps + 1)  # each step: one result and one constant leaf


def million(n_nodes: int = 1_000_000) -> dict[str, float]:
    """Build a chain of ``n_nodes`` values, backprop, delete; report memory and time."""
    from autograd_core import Value

    gc.collect()
    gc.disable()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    t0 = time.perf_counter()
    x = Value(1.0)
    y = x
    for _ in range(n_nodes // 2):
        y = y * 1.0000001
    t1 = time.perf_counter()
    y.backward()
    t2 = time.perf_counter()
    peak = tracemalloc.get_traced_memory()[1] - base
    del y
    left = tracemalloc.get_traced_memory()[0] - base
    t3 = time.perf_counter()
    tracemalloc.stop()
    gc.enable()
    return {
        "nodes": n_nodes,
        "grad": x.grad,
        "build s": t1 - t0,
        "backward s": t2 - t1,
        "free s": t3 - t2,
        "peak MB": peak / 1e6,
        "left after del (bytes)": left,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--nodes", type=int, default=100_000, help="chain length for bytes per node")
    args = parser.parse_args(argv)
    ours = bytes_per_node("chainrule", args.nodes // 2)
    theirs = bytes_per_node("micrograd", args.nodes // 2)
    print("| engine | bytes per node |\n|---|---:|")
    print(f"| chainrule | {ours:.0f} |\n| micrograd 0.1.0 | {theirs:.0f} |")
    print(f"chainrule uses {ours / theirs:.2f} of micrograd's memory per node ({theirs / ours:.1f}x less)")
    m = million()
    left_kb = m["left after del (bytes)"] / 1e3
    share = m["left after del (bytes)"] / 1e6 / m["peak MB"]
    per_node = m["peak MB"] * 1e6 / m["nodes"]
    build, back, free = m["build s"], m["backward s"], m["free s"]
    print(f"\n1,000,000-node chain on chainrule: built in {build:.2f} s, backward {back:.2f} s,")
    print(
        f"freed in {free:.2f} s; peak {m['peak MB']:.0f} MB ({per_node:.0f} bytes per node during backward);"
    )
    print(f"after del, with the cyclic collector off, {left_kb:.0f} kB are still held")
    print(f"({share:.3%} of the peak: reference counting freed the graph); dy/dx = {m['grad']:.6f}")


if __name__ == "__main__":
    main()
