"""``chainrule lessons [DIR]``: the lesson notebooks (without solutions) written into a
folder for a student, from a wheel as from a clone.

A wheel carries the lessons as data files (``share/chainrule/lessons`` under the
environment's prefix: pyproject's ``data-files``); a clone, or an editable install, reads
them from ``notebooks/`` beside the packages. Nothing is overwritten without ``--force``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import sysconfig
from pathlib import Path

LESSONS_DATA = Path("share") / "chainrule" / "lessons"


def lesson_folder() -> Path | None:
    """Where the lessons are: the installed data files, else a clone's ``notebooks/``."""
    installed = Path(sysconfig.get_path("data")) / LESSONS_DATA
    clone = Path(__file__).resolve().parents[1] / "notebooks"
    for folder in (installed, clone):
        if folder.is_dir() and any(folder.glob("[0-9][0-9]_*.ipynb")):
            return folder
    return None


def write_lessons(target: Path, force: bool = False) -> list[Path]:
    """Copy every lesson notebook into ``target`` (made if missing); returns the files.
    ``FileExistsError`` names the lessons already there unless ``force``."""
    source = lesson_folder()
    if source is None:
        raise FileNotFoundError(
            "this installation carries no lessons: pip install chainrule (a wheel) has them"
        )
    lessons = sorted(source.glob("[0-9][0-9]_*.ipynb"))
    target.mkdir(parents=True, exist_ok=True)
    there = [p.name for p in lessons if (target / p.name).exists()]
    if there and not force:
        raise FileExistsError(
            f"{target} already holds {len(there)} lesson(s) ({there[0]}, ...): your own work may be in "
            "them; choose another folder, or --force to overwrite"
        )
    return [Path(shutil.copyfile(p, target / p.name)) for p in lessons]


def main(argv: list[str] | None = None, prog: str = "python -m nn.lessons") -> int:
    """Write the lessons and say how to open them; returns the exit status."""
    parser = argparse.ArgumentParser(prog=prog, description="Write the lesson notebooks into a folder.")
    parser.add_argument(
        "folder", nargs="?", default="chainrule-lessons", help="where (default chainrule-lessons)"
    )
    parser.add_argument("--force", action="store_true", help="overwrite lessons already in the folder")
    args = parser.parse_args(argv)
    target = Path(args.folder)
    try:
        written = write_lessons(target, args.force)
    except (FileExistsError, FileNotFoundError) as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {len(written)} lessons into {target}/ ({written[0].name} ... {written[-1].name})")
    print(f"open them: pip install 'chainrule[notebooks]' && jupyter lab {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
