"""The ``chainrule`` command (installed with the package): ``chainrule demo ...``,
``chainrule experiments ...``; each is also ``python -m nn.demo`` / ``python -m
nn.experiments``."""

from __future__ import annotations

import sys
from pathlib import Path

COMMANDS = {
    "demo": "train an MLP and write the pictures (python -m nn.demo)",
    "experiments": "print the classic backprop tables (python -m nn.experiments)",
    "playground": "serve the live classroom page (python -m nn.playground)",
}


def check_own_nn() -> None:
    """Exit with a clear message when the ``nn`` that Python imported is not chainrule's
    (a PyPI distribution named ``nn`` also installs a top-level ``nn``, and a student's
    own ``nn.py`` in the current folder shadows ours for ``python -m``)."""
    imported = sys.modules.get("nn")
    here = Path(__file__).resolve().parent
    where = Path(getattr(imported, "__file__", "") or "").resolve().parent
    if imported is None or where != here or not hasattr(imported, "MLP"):
        sys.exit(
            f"the module 'nn' Python imported ({getattr(imported, '__file__', None)}) is not chainrule's "
            f"({here}): rename your own nn.py, or uninstall the other 'nn' package"
        )


def main(argv: list[str] | None = None) -> int:
    """Run ``chainrule COMMAND [options]``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help") or args[0] not in COMMANDS:
        print("usage: chainrule COMMAND [options]   (chainrule COMMAND --help for its options)\n")
        for name, text in COMMANDS.items():
            print(f"  {name:<12} {text}")
        return 0 if args and args[0] in ("-h", "--help") else 2
    check_own_nn()
    command, rest = args[0], args[1:]
    if command == "playground":
        from .playground.__main__ import main as playground

        playground(rest)
        return 0
    if command == "demo":
        from .demo import main as demo

        demo(rest)
        return 0
    from .experiments.__main__ import main as experiments

    return experiments(rest)


if __name__ == "__main__":
    sys.exit(main())
