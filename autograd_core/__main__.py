"""``python -m autograd_core``: the engine's rooms (each module's first docstring line,
read from the code itself, so it stays true), then a worked example of the chain rule.

``python -m autograd_core --house`` prints the rooms only; ``--example`` the example only.
"""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

from autograd_core import Value, grad

# The engine first, then what is built on it: the order a reader should take.
ROOMS = [
    ("the engine", ["ops", "backward", "value", "parameters", "modes", "functional"]),
    (
        "compile/: batches as NumPy programs",
        ["compile/trace", "compile/rows", "compile/steps", "compile/plan", "compile/program"],
    ),
    (
        "viz/: pictures (needs the viz extra)",
        [
            "viz/colors",
            "viz/names",
            "viz/dot_text",
            "viz/layout",
            "viz/draw",
            "viz/replay",
            "viz/front_end",
            "viz/live",
            "viz/render",
            "viz/notebook",
        ],
    ),
]


def first_sentence(path: Path) -> str:
    """The first sentence of a module's docstring, read without importing it."""
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    paragraph = " ".join(doc.strip().split("\n\n")[0].split())
    end = paragraph.find(". ")
    return paragraph if end < 0 else paragraph[: end + 1]


def house() -> str:
    """The rooms of autograd_core, one line each."""
    root = Path(__file__).parent
    lines = ["autograd_core: the rooms, in reading order (imports point down this list)"]
    for title, modules in ROOMS:
        lines.append(f"\n  {title}")
        for name in modules:
            lines.append(f"    {name + '.py':<20} {first_sentence(root / (name + '.py'))}")
    lines.append("\n  nn (a separate package) imports autograd_core; autograd_core never imports nn.")
    return "\n".join(lines)


def example() -> str:
    """A worked example: L = tanh((a*b + c) * f), its gradients, and a grad of a grad."""
    a, b, c, f = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c"), Value(-0.2, label="f")
    L = ((a * b + c) * f).tanh()
    L.backward()
    lines = ["L = tanh((a*b + c) * f) with a=2, b=-3, c=10, f=-0.2", f"L = {L.data:.6f}"]
    lines += [f"dL/d{v.label} = {v.grad:+.6f}" for v in (a, b, c, f)]
    lines.append(f"d/dx x**3 at 3 = {grad(lambda x: x**3)(3.0)} (3x^2)")
    lines.append(f"d2/dx2 x**3 at 3 = {grad(grad(lambda x: x**3))(3.0)} (6x: a grad of a grad)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Print the house and the worked example (or one of them)."""
    parser = argparse.ArgumentParser(prog="python -m autograd_core", description=__doc__)
    parser.add_argument("--house", action="store_true", help="print the rooms only")
    parser.add_argument("--example", action="store_true", help="print the worked example only")
    args = parser.parse_args(argv)
    both = not (args.house or args.example)
    if args.house or both:
        print(house())
    if args.example or both:
        print("\n" + example() if both else example())


if __name__ == "__main__":
    main()
