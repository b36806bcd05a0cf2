"""``chainrule lessons``: the lessons (no solutions) from a wheel installed in a fresh
venv, written into a folder; never over a student's own work without ``--force``."""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from nn.lessons import write_lessons

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_lessons_are_written_and_never_overwritten_without_force(tmp_path: Path) -> None:
    written = write_lessons(tmp_path / "mine")
    assert sorted(p.name for p in written) == LESSONS and len(LESSONS) >= 9
    (tmp_path / "mine" / LESSONS[0]).write_text("my answers", encoding="utf-8")
    with pytest.raises(FileExistsError, match="--force"):
        write_lessons(tmp_path / "mine")
    assert (tmp_path / "mine" / LESSONS[0]).read_text(encoding="utf-8") == "my answers"
    write_lessons(tmp_path / "mine", force=True)
    assert (tmp_path / "mine" / LESSONS[0]).read_text(encoding="utf-8") != "my answers"


def test_chainrule_lessons_from_a_wheel_in_a_fresh_venv(tmp_path: Path) -> None:
    # built from a copy: setuptools writes build/ into the tree it builds
    src, wheels = tmp_path / "src", tmp_path / "wheels"
    skip = shutil.ignore_patterns(".venv", ".git", "build", "*.egg-info", "site", "__pycache__", "demo_*")
    shutil.copytree(ROOT, src, ignore=skip)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(src)],
                   check=True, capture_output=True, timeout=300)  # fmt: skip
    (wheel,) = wheels.glob("chainrule-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    # numpy is the core's one dependency; it comes from the same index as every install here
    subprocess.run([str(python), "-m", "pip", "install", "-q", "numpy", str(wheel)],
                   check=True, capture_output=True, timeout=600)  # fmt: skip
    out = subprocess.run([str(env_dir / "bin" / "chainrule"), "lessons", str(tmp_path / "class")],
                         capture_output=True, text=True, timeout=120, cwd=tmp_path)  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert sorted(p.name for p in (tmp_path / "class").glob("*.ipynb")) == LESSONS
    assert not list((tmp_path / "class").glob("*solution*")) and "jupyter lab" in out.stdout
