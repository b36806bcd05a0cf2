"""``python -m nn.experiments NAME [--quick] [--csv PATH] [--plot PATH]``; ``--list``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import EXPERIMENTS, run


def build_parser(prog: str = "python -m nn.experiments") -> argparse.ArgumentParser:
    """The command-line options (``prog``: how the command was typed, for its usage line)."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Regenerate the classic backpropagation tables from real, seeded training runs.",
    )
    parser.add_argument("names", nargs="*", help="experiments to run ('all' for every one)")
    parser.add_argument("--list", action="store_true", help="list the experiments and exit")
    parser.add_argument("--quick", action="store_true", help="small settings: a few seconds each")
    parser.add_argument("--csv", type=Path, help="save the table as CSV (a folder when running several)")
    parser.add_argument("--plot", type=Path, help="save a chart as PNG (a folder when running several)")
    return parser


def main(argv: list[str] | None = None, prog: str = "python -m nn.experiments") -> int:
    """Run experiments from the command line; returns the exit status."""
    args = build_parser(prog).parse_args(argv)
    if args.list or not args.names:
        width = max(len(n) for n in EXPERIMENTS)
        for name, (summary, _) in EXPERIMENTS.items():
            print(f"{name:<{width}}  {summary}")
        return 0
    names = list(EXPERIMENTS) if args.names == ["all"] else args.names
    unknown = [n for n in names if n not in EXPERIMENTS]
    if unknown:
        print(f"unknown experiment(s): {', '.join(unknown)}; --list shows them", file=sys.stderr)
        return 2
    several = len(names) > 1
    for name in names:
        table = run(name, quick=args.quick)
        print(table.markdown() + "\n")
        for option, save, ext in ((args.csv, table.save_csv, "csv"), (args.plot, table.save_plot, "png")):
            if option is not None:
                if several:
                    option.mkdir(parents=True, exist_ok=True)
                path = option / f"{name}.{ext}" if several else option
                print(f"wrote {save(path)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
