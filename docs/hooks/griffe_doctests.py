"""A griffe extension (mkdocs.yml: mkdocstrings' ``extensions``): a docstring's doctest
block (``>>>`` lines and their output, up to a blank line) is shown as Python console
code, not as Markdown's nested quotes. The docstrings themselves stay plain doctests."""

from __future__ import annotations

from typing import Any

import griffe


def fence_doctests(text: str) -> str:
    """``text`` with each block of lines starting at ``>>>`` fenced as ``pycon``."""
    out: list[str] = []
    in_block = False
    for line in text.split("\n"):
        if not in_block and line.lstrip().startswith(">>>"):
            out.append("```pycon")
            in_block = True
        elif in_block and not line.strip():
            out.append("```")
            in_block = False
        out.append(line)
    if in_block:
        out.append("```")
    return "\n".join(out)


class DoctestFences(griffe.Extension):
    def on_instance(self, *, node: Any, obj: griffe.Object, agent: Any, **kwargs: Any) -> None:
        if obj.docstring is not None and ">>>" in obj.docstring.value:
            obj.docstring.value = fence_doctests(obj.docstring.value)
