"""How a command describes itself: its docstring as argparse's description, with the
command named as it was typed. Shared by ``chainrule`` and each ``python -m`` command."""

from __future__ import annotations


def help_text(doc: str | None, prog: str, module: str) -> str:
    """A module docstring as a command's description: no reST backticks, and the command
    named as it was typed (``chainrule demo`` or ``python -m nn.demo``)."""
    return (doc or "").replace(f"python -m {module}", prog).replace("``", "")
