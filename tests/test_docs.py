"""The reference site (mkdocs.yml) builds with ``mkdocs build --strict``, shows every
public name with its docstring, every lesson with its stored pictures and the playground
with its screenshots, takes its prose from the README's sections, and loads nothing from
another host."""

from __future__ import annotations

import ast
import html
import importlib
import inspect
import json
import os
import re
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("mkdocs")
pytest.importorskip("material")
pytest.importorskip("mkdocstrings_handlers.python")
pytest.importorskip("mkdocs_jupyter")
pytest.importorskip("latex2mathml")

ROOT = Path(__file__).parents[1]
README = ROOT / "README.md"
LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SCREENSHOTS = sorted((ROOT / "docs" / "playground").glob("*.png"))
BUILD_SECONDS = 300  # about 15 s on the project's machine; a stuck build fails, not hangs

# The API pages, one per module: (module, page).
API_PAGES = {
    name: f"api/{name}.html"
    for name in (
        "autograd_core",
        "autograd_core.viz",
        "autograd_core.compile",
        "nn",
        "nn.optim",
        "nn.losses",
        "nn.metrics",
        "nn.data",
        "nn.init",
        "nn.activations",
        "nn.training",
        "nn.viz",
    )
}
# Names a reader looks up first, each shown with (the first sentence of) its docstring.
SHOWN_WITH_DOCSTRING = {
    "autograd_core": [
        "Value",
        "grad",
        "backward",
        "no_grad",
        "gradcheck",
        "compile",
        "draw_graph",
        "explain",
    ],
    "autograd_core.viz": ["draw_graph", "explain", "Replay"],
    "autograd_core.compile": ["Compiled"],
    "nn": ["MLP", "fit", "predict", "predict_proba", "History", "Module"],
    "nn.training": ["fit", "History", "EarlyStopping", "Callback"],
    "nn.optim": ["SGD", "Adam"],
    "nn.losses": ["mse", "bce", "cross_entropy"],
    "nn.metrics": ["accuracy", "f1"],
    "nn.data": ["make_moons", "load_digits", "train_test_split"],
    "nn.init": ["draw_weights"],
    "nn.activations": ["relu", "softmax"],
    "nn.viz": ["draw_mlp", "plot_history"],
}

# Elements that load what their attribute names, and those attributes.
LOADING = {
    "script": ("src",),
    "link": ("href",),
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "frame": ("src",),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "input": ("src",),
    "image": ("href", "xlink:href"),  # SVG
    "use": ("href", "xlink:href"),  # SVG
    "feimage": ("href", "xlink:href"),  # SVG
}
FOREIGN = re.compile(r"^\s*(?:https?:)?//", re.IGNORECASE)
# url(...) and @import in CSS, import(...) / import ... from in JavaScript.
CSS_OR_JS_LOAD = re.compile(
    r"""(?:url\(\s*|@import\s+(?:url\(\s*)?|\bimport\s*\(\s*|\bimport\s[^;'"]*?\bfrom\s*)['"]?\s*(?:https?:)?//""",
    re.IGNORECASE,
)


def _build(site: Path) -> dict[str, Any]:
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", "mkdocs.yml", "-d", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=BUILD_SECONDS,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    output = proc.stdout + proc.stderr
    return {"returncode": proc.returncode, "output": output, "seconds": time.monotonic() - start}


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """Build the site once per run: under pytest-xdist the workers share one build (the
    first to take the lock builds, the others wait for its result)."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # shared by this run's workers
    site, result, lock = base / "docs-site", base / "docs-build.json", base / "docs-build.lock"
    try:
        os.close(os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        deadline = time.monotonic() + BUILD_SECONDS + 30
        while not result.exists():
            if time.monotonic() > deadline:
                pytest.fail("the docs build of another worker never finished")
            time.sleep(0.2)
    else:
        done = _build(site)
        partial = result.with_suffix(".part")
        partial.write_text(json.dumps(done), encoding="utf-8")
        partial.replace(result)
    return site, json.loads(result.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def site(build: tuple[Path, dict[str, Any]]) -> Path:
    path, done = build
    if done["returncode"] != 0:
        pytest.fail("mkdocs build --strict failed (see test_mkdocs_build_strict_passes)")
    return path


def page_text(path: Path) -> str:
    """What a reader sees of a page, tags dropped and entities decoded, without spaces
    (``<code>x</code>,`` and ``x,`` read the same)."""
    source = path.read_text(encoding="utf-8")
    source = re.sub(r"<(script|style)\b.*?</\1>", "", source, flags=re.S | re.I)
    return "".join(html.unescape(re.sub(r"<[^>]+>", "", source)).split())


def first_sentence(obj: object) -> str:
    """The first sentence of the docstring, as ``page_text`` reads it."""
    paragraph = (inspect.getdoc(obj) or "").split("\n\n")[0]
    sentence = re.split(r"(?<=[.;:])\s", paragraph, maxsplit=1)[0]
    return "".join(sentence.replace("``", "").split())


def public_names(module: str) -> list[str]:
    """``__all__``, or else the public functions, classes and UPPER_CASE constants the
    module defines (its own, not what it imports)."""
    mod = importlib.import_module(module)
    if hasattr(mod, "__all__"):
        return [n for n in mod.__all__ if not n.startswith("_")]
    tree = ast.parse(inspect.getsource(mod))
    names = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names += [t.id for t in targets if isinstance(t, ast.Name) and t.id.isupper()]
    return [n for n in names if not n.startswith("_")]


def test_mkdocs_build_strict_passes(build: tuple[Path, dict[str, Any]]) -> None:
    _, done = build
    assert done["returncode"] == 0, done["output"][-6000:]
    assert (build[0] / "index.html").is_file()


@pytest.mark.parametrize("module", sorted(SHOWN_WITH_DOCSTRING))
def test_api_pages_show_the_names_with_their_docstrings(site: Path, module: str) -> None:
    text = page_text(site / API_PAGES[module])
    mod = importlib.import_module(module)
    for name in SHOWN_WITH_DOCSTRING[module]:
        sentence = first_sentence(getattr(mod, name))
        assert sentence, f"{module}.{name} has no docstring"
        assert sentence in text, f"{module}.{name}: {sentence!r} not on {API_PAGES[module]}"


@pytest.mark.parametrize("module", sorted(API_PAGES))
def test_every_public_name_has_an_entry(site: Path, module: str) -> None:
    """Each public name has a heading of its own; a public submodule, a page."""
    source = (site / API_PAGES[module]).read_text(encoding="utf-8")
    ids = set(re.findall(r'\bid="([\w.]+)"', source))
    mod = importlib.import_module(module)
    missing = []
    for name in public_names(module):
        obj = getattr(mod, name)
        if inspect.ismodule(obj):
            if not (site / f"api/{obj.__name__}.html").is_file():
                missing.append(f"{name} (no page api/{obj.__name__}.html)")
        elif not any(i == f"{module}.{name}" or i.endswith(f".{name}") for i in ids):
            missing.append(name)
    assert not missing, f"{API_PAGES[module]} has no entry for {missing}"


def test_the_lessons_are_all_there() -> None:
    assert len(LESSONS) >= 9
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for path in LESSONS:
        assert f"notebooks/{path.name}" in nav, f"{path.name} is missing from mkdocs.yml's nav"


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_every_lesson_is_a_page_with_its_stored_pictures(site: Path, path: Path) -> None:
    page = site / "notebooks" / f"{path.stem}.html"
    assert page.is_file(), f"no page for {path.name}"
    source = page.read_text(encoding="utf-8")
    book = json.loads(path.read_text(encoding="utf-8"))
    pictures = sum(
        1
        for cell in book["cells"]
        for output in cell.get("outputs", [])
        if any(mime.startswith("image/") for mime in output.get("data", {}))
    )
    shown = re.findall(
        r'class="jp-Rendered(?:SVG|Image)\b[^"]*"[^>]*>\s*(?:<\?xml.*?\?>\s*)?(?:<!--.*?-->\s*)*'
        r"(?:<!DOCTYPE[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:svg|img)\b",
        source,
        flags=re.S,
    )
    assert pictures >= 1 and len(shown) == pictures, f"{path.name}: {pictures} pictures, {len(shown)} shown"
    markdown = "".join("".join(c["source"]) for c in book["cells"] if c["cell_type"] == "markdown")
    title = re.search(r"^# (.+)$", markdown, flags=re.M)
    assert title and html.escape(title.group(1), quote=False) in source
    # the opening note says how to run the lesson, not to Run All on a page that runs nothing
    assert "Opened as stored" not in source, f"{path.name}: the notebook's Run All note on the site"
    assert ("Opened as stored" in markdown) == ("chainrule lessons DIR" in source), path.name
    if "$" in markdown:  # the formulas are MathML, rendered at build time (no MathJax)
        assert "<math" in source and "$$" not in page_text(page), f"{path.name}: formulas left as TeX"


def test_the_playground_page_shows_its_screenshots(site: Path) -> None:
    assert SCREENSHOTS
    source = (site / "playground.html").read_text(encoding="utf-8")
    for png in SCREENSHOTS:
        assert re.search(rf'<img [^>]*src="playground/{re.escape(png.name)}"', source), png.name
        assert (site / "playground" / png.name).read_bytes() == png.read_bytes()


class _Loads(HTMLParser):
    """Collects every URL an HTML page loads: element attributes, inline CSS and JS."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._inline: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for key, value in attrs:
            if value is None:
                continue
            if key in LOADING.get(tag, ()):
                urls = [u.strip().split(" ")[0] for u in value.split(",")] if key == "srcset" else [value]
                self.found += [f"<{tag} {key}={u}>" for u in urls if FOREIGN.match(u)]
            if key == "style" and CSS_OR_JS_LOAD.search(value):
                self.found.append(f"<{tag} style={value[:120]}>")
        if tag in ("script", "style"):
            self._inline = tag

    def handle_endtag(self, tag: str) -> None:
        self._inline = None

    def handle_data(self, data: str) -> None:
        if self._inline and (m := CSS_OR_JS_LOAD.search(data)):
            self.found.append(f"<{self._inline}>...{data[m.start() : m.end() + 60]}")


def test_no_page_loads_anything_from_another_host(site: Path) -> None:
    offenders: dict[str, list[str]] = {}
    for path in sorted(site.rglob("*.html")):
        parser = _Loads()
        parser.feed(path.read_text(encoding="utf-8"))
        if parser.found:
            offenders[str(path.relative_to(site))] = sorted(set(parser.found))[:5]
    for path in sorted(site.rglob("*.css")):
        hits = CSS_OR_JS_LOAD.findall(path.read_text(encoding="utf-8"))
        if hits:
            offenders[str(path.relative_to(site))] = hits[:5]
    assert not offenders, offenders
    # The check itself sees such a load.
    probe = _Loads()
    probe.feed('<link href="https://fonts.example/x.css"><style>@import url(//cdn.example/a.css)</style>')
    probe.feed('<img srcset="a.png 1x, https://cdn.example/b.png 2x">')
    probe.feed('<script>import("https://cdn.example/m.js")</script>')
    assert len(probe.found) == 4, probe.found


def test_every_readme_section_is_on_a_page() -> None:
    """The pages include the README's sections by marker (pymdownx.snippets), so its text
    is written once: every ``##`` section is marked, and every marked section is used."""
    readme = README.read_text(encoding="utf-8")
    marked = re.findall(r"^## .+\n\n<!-- --8<-- \[start:([a-z-]+)\] -->$", readme, flags=re.M)
    assert len(marked) == len(re.findall(r"^## ", readme, flags=re.M)), "a README section has no marker"
    used = set()
    for page in (ROOT / "docs").rglob("*.md"):
        text = page.read_text(encoding="utf-8")
        used |= set(re.findall(r'^--8<-- "README\.md:([a-z-]+)"$', text, flags=re.M))
    assert set(marked) | {"intro"} == used, f"marked but on no page: {set(marked) - used}"
    for name in used:
        assert f"<!-- --8<-- [end:{name}] -->" in readme
