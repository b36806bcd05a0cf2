"""The house as a reader meets it: every engine module is a listed room with a docstring,
every public name has a docstring, and ``python -m autograd_core`` tells the truth."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import autograd_core
import nn
from autograd_core.__main__ import ROOMS, house, main

ROOT = Path(__file__).parents[1]


def test_every_engine_module_is_a_room_of_python_m_autograd_core() -> None:
    listed = {name for _, modules in ROOMS for name in modules}
    on_disk = {
        str(p.relative_to(ROOT / "autograd_core").with_suffix(""))
        for p in (ROOT / "autograd_core").rglob("*.py")
        if p.name not in ("__init__.py", "__main__.py")
    }
    assert listed == on_disk
    text = house()
    for name in listed:
        assert f"{name}.py" in text


def test_python_m_autograd_core_prints_the_example(capsys) -> None:  # type: ignore[no-untyped-def]
    main(["--example"])
    out = capsys.readouterr().out
    assert "L = -0.664037" in out and "= 27.0" in out and "= 18.0" in out


def test_every_module_and_public_name_has_a_docstring() -> None:
    for pkg in ("autograd_core", "nn"):
        for path in (ROOT / pkg).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            assert ast.get_docstring(tree), f"{path} has no module docstring"
            for node in tree.body:
                if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_"):
                    assert ast.get_docstring(node), f"{path}:{node.lineno} {node.name} has no docstring"


def test_the_readable_methods_are_written_out() -> None:
    # A micrograd reader who searches for `def __mul__` finds it.
    source = inspect.getsource(autograd_core.Value)
    for name in ("__add__", "__mul__", "__pow__", "__truediv__", "tanh", "relu", "backward"):
        assert f"def {name}(" in source


def test_nn_never_imported_by_the_engine() -> None:
    for path in (ROOT / "autograd_core").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                assert not node.module.startswith("nn"), path
            if isinstance(node, ast.Import):
                assert not any(a.name.split(".")[0] == "nn" for a in node.names), path
    assert nn.__version__ == autograd_core.__version__
