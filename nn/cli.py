"""The ``chainrule`` command (installed with the package): ``chainrule demo ...``,
``chainrule experiments ...``, ``chainrule playground ...``, ``chainrule --version``; each
command is also ``python -m nn.demo`` / ``python -m nn.experiments`` / ``python -m
nn.playground``, and says so in its usage line as it was typed."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

COMMANDS = {
    "demo": "train an MLP and write the pictures (python -m nn.demo)",
    "experiments": "print the classic backprop tables (python -m nn.experiments)",
    "playground": "serve the live classroom page (python -m nn.playground)",
    "lessons": "write the lesson notebooks into a folder (python -m nn.lessons)",
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


def build_parser() -> argparse.ArgumentParser:
    """The ``chainrule`` command's own options: ``--version`` and the command's name."""
    from autograd_core import __version__

    lines = "\n".join(f"  {name:<12} {text}" for name, text in COMMANDS.items())
    parser = argparse.ArgumentParser(
        prog="chainrule",
        description="chainrule: see backpropagation. Each command has its own --help.",
        epilog=f"commands:\n{lines}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"chainrule {__version__}")
    parser.add_argument(
        "command", choices=list(COMMANDS), metavar="COMMAND", help="one of: " + ", ".join(COMMANDS)
    )
    parser.add_argument("options", nargs=argparse.REMAINDER, help="the command's options (COMMAND --help)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``chainrule COMMAND [options]``."""
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    try:
        if not argv:
            parser.error("name a COMMAND: " + ", ".join(COMMANDS))
        args = parser.parse_args(argv)
    except SystemExit as done:  # --help, --version, or a usage error (already printed)
        return int(done.code or 0)
    check_own_nn()
    prog = f"chainrule {args.command}"
    if args.command == "playground":
        from .playground.__main__ import main as playground

        playground(args.options, prog=prog)
        return 0
    if args.command == "lessons":
        from .lessons import main as lessons

        return lessons(args.options, prog=prog)
    if args.command == "demo":
        from .demo import main as demo

        demo(args.options, prog=prog)
        return 0
    from .experiments.__main__ import main as experiments

    return experiments(args.options, prog=prog)


if __name__ == "__main__":
    sys.exit(main())
