"""Typed for users: a script that imports the everyday names passes ``mypy --strict``
(before, the lazily loaded ``draw_graph`` and ``explain`` were ``object``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tests" / "typing" / "user_script.py"


def _mypy(script: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    # As a user's own script sees an installed chainrule: its errors are the script's only
    # (the package's own modules are read for their types, their errors silenced).
    env = {**os.environ, "MYPYPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent", "--cache-dir", str(cache),
         str(script)],
        capture_output=True, text=True, env=env, cwd=script.parent, timeout=300, check=False,
    )  # fmt: skip


def test_a_users_script_passes_mypy_strict(tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    result = _mypy(SCRIPT, tmp_path / "cache")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found in 1 source file" in result.stdout


def test_mypy_catches_a_type_error_in_such_a_script(tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    wrong = tmp_path / "wrong.py"
    wrong.write_text(
        "from autograd_core import Value, draw_graph, grad\n"
        "n: int = draw_graph(Value(1.0)).svg()\n"  # a str is not an int
        "s: str = grad(lambda t: t * t)(1.0)\n",  # a float is not a str
        encoding="utf-8",
    )
    result = _mypy(wrong, tmp_path / "cache")
    assert result.returncode == 1
    assert (
        'Incompatible types in assignment (expression has type "str", variable has type "int")'
        in result.stdout
    )
    assert 'expression has type "float", variable has type "str"' in result.stdout
