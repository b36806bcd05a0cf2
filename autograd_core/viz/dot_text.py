"""Any string as DOT text that Graphviz draws literally, in both renderers.

A label is data: markup (``<script>``), quotes, braces, bars, backslashes (Graphviz reads
``\\l``, ``\\N``, ... as escapes), ``&amp;`` (Graphviz reads entities), newlines and
control characters must come out of the picture as the characters the user typed. One
function per place text goes in DOT, each escaping everything that place gives a meaning
to; what Graphviz writes into the SVG it escapes for XML itself, so no markup reaches a
page. Newlines are drawn as line breaks; other control characters, which no font draws,
as their ``\\xNN`` code.
"""

from __future__ import annotations

import re
from typing import Any

_RECORD_SPECIAL = frozenset('\\{}|<>"')


def printable(text: str) -> str:
    """``text`` with line endings as ``\\n``, tabs as spaces and every other character
    that no font draws (controls, lone surrogates) as its ``\\xNN`` / ``\\uNNNN`` code."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    out = []
    for ch in text:
        code = ord(ch)
        if ch == "\n" or (code >= 0x20 and not 0x7F <= code <= 0x9F and not 0xD800 <= code <= 0xDFFF):
            out.append(ch)
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        else:
            out.append(f"\\u{code:04x}")
    return "".join(out)


def record_field(text: str) -> str:
    """One field of a ``shape=record`` label: record punctuation, spaces (which records
    collapse), backslashes and quotes escaped; a newline breaks the line."""
    # Records drop a line's leading blanks, even escaped ones: no-break spaces keep them.
    text = re.sub(r"(?m)^ +", lambda m: "\u00a0" * len(m.group()), printable(text))
    out = []
    for ch in text.replace("&", "&amp;"):
        if ch in _RECORD_SPECIAL:
            out.append("\\" + ch)
        elif ch == " ":
            out.append("\\ ")
        elif ch == "\n":
            out.append("\\n")
        else:
            out.append(ch)
    return "".join(out)


def record_label(fields: list[str], vertical_rank: bool) -> Any:
    """A record label with ``fields`` stacked top to bottom (records turn with
    ``rankdir``: in a top-to-bottom graph the fields need braces to stack)."""
    import graphviz

    body = "|".join(record_field(f) for f in fields)
    return graphviz.nohtml("{" + body + "}" if vertical_rank else body)


def plain(text: str) -> Any:
    """Text for any other attribute (a plain label, a tooltip, a caption): backslashes,
    quotes and entities escaped, never read as an HTML-like label."""
    import graphviz

    text = printable(text).replace("\\", "\\\\").replace('"', '\\"').replace("&", "&amp;")
    return graphviz.nohtml(text.replace("\n", "\\n"))
