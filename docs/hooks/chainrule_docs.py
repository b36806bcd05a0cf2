"""MkDocs hooks for the reference site (mkdocs.yml: ``hooks``).

- The lessons are the notebooks in ``notebooks/``, stored executed: each one becomes the
  page ``notebooks/<name>.html`` (rendered by mkdocs-jupyter with its stored outputs), so
  the docs never hold a copy of a notebook.
- The README's sections are included with ``pymdownx.snippets``; its image links are
  written from the repository root (``docs/playground/graph-view.png``) and become links
  from the docs root here (``/playground/graph-view.png``, which MkDocs makes relative),
  and the lesson names in its list become links to the lessons.
- No page loads anything from another host: the notebooks' formulas are rendered to MathML
  at build time (``latex2mathml``) instead of by MathJax from a CDN, and the MathJax and
  Mermaid loaders of nbconvert's template are removed from the lesson pages.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from latex2mathml.converter import convert as latex_to_mathml
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"

# nbconvert's template writes these blocks into every notebook page; both load scripts
# from a CDN (MathJax at once, Mermaid when a page has a diagram).
_MATHJAX = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S)
_MERMAID = re.compile(
    r'<script type="module">(?:(?!</script>).)*?mermaid.*?<!-- End of mermaid configuration -->', re.S
)
_README_LINK = re.compile(r"(\]\()docs/")
_LESSON_NAME = re.compile(r"(?<!\[)`(\d\d_[a-z0-9_]+)`")


def _lessons() -> list[Path]:
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def _mathml(tex: str, display: str) -> str:
    return latex_to_mathml(tex, display=display)


def _render_math_as_mathml() -> None:
    """Make nbconvert's markdown renderer write MathML where it writes ``$...$``."""
    from nbconvert.filters.markdown_mistune import IPythonRenderer

    if getattr(IPythonRenderer, "_chainrule_mathml", False):
        return

    def inline_math(self: Any, body: str) -> str:
        return _mathml(body, "inline")

    def block_math(self: Any, body: str) -> str:
        return _mathml(body, "block")

    def latex_environment(self: Any, name: str, body: str) -> str:
        return _mathml(f"\\begin{{{name}}}{body}\\end{{{name}}}", "block")

    IPythonRenderer.inline_math = inline_math  # type: ignore[method-assign]
    IPythonRenderer.block_math = block_math  # type: ignore[method-assign]
    IPythonRenderer.latex_environment = latex_environment  # type: ignore[method-assign]
    IPythonRenderer._chainrule_mathml = True  # type: ignore[attr-defined]


def on_config(config: Any) -> Any:
    _render_math_as_mathml()
    config.markdown_extensions.append(_ReadmeLinksExtension())
    config.watch.append(str(NOTEBOOKS))
    return config


@event_priority(100)  # before mkdocs-jupyter's on_files, which picks the notebooks up
def on_files(files: Files, config: Any) -> Files:
    for path in _lessons():
        # A file of the repository, not of docs/: its page is notebooks/<name>.html.
        src_uri = path.relative_to(ROOT).as_posix()
        files.append(File(src_uri, str(ROOT), config.site_dir, config.use_directory_urls))
    return files


class _ReadmeLinks(Preprocessor):
    """After pymdownx.snippets has included a README section: its links into ``docs/``
    become links from the docs root (mkdocs.yml: ``absolute_links: relative_to_docs``),
    and a lesson's name in backticks links to its page."""

    def run(self, lines: list[str]) -> list[str]:
        names = {p.stem for p in _lessons()}

        def lesson(match: re.Match[str]) -> str:
            name = match.group(1)
            return f"[`{name}`](/notebooks/{name}.ipynb)" if name in names else match.group(0)

        text = "\n".join(lines)
        text = _README_LINK.sub(r"\1/", text)
        text = _LESSON_NAME.sub(lesson, text)
        return text.split("\n")


class _ReadmeLinksExtension(Extension):
    def extendMarkdown(self, md: Any) -> None:
        md.preprocessors.register(_ReadmeLinks(md), "chainrule_readme_links", 31)  # after snippets (32)


#: A lesson's opening note tells a Jupyter user to Run All; on the site, which runs nothing,
#: it says how to get the lesson to run instead.
_RUN_ALL_NOTE = re.compile(r"<blockquote>\s*<p>Opened as stored,.*?</blockquote>", re.S)
_SITE_NOTE = (
    "<blockquote><p>The lesson as stored, with its outputs. To run it and answer its exercises: "
    "<code>chainrule lessons DIR</code> writes the notebooks into DIR; open them in Jupyter and "
    "Run All.</p></blockquote>"
)


def on_page_content(content: str, page: Any, config: Any, files: Files) -> str:
    if page.file.src_uri.endswith(".ipynb"):
        content = _MATHJAX.sub("", content)
        content = _MERMAID.sub("", content)
        content = _RUN_ALL_NOTE.sub(_SITE_NOTE, content, count=1)
    return content
