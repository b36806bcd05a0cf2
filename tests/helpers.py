"""What several test modules need alike: headless Chromium (skipped with the install
advice when it is missing, which CI=true turns into a failure), a JupyterLab server on
a folder of its own, and a WebSocket's messages read until it falls quiet."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest


@contextmanager
def chromium() -> Iterator[Any]:
    """The system Chromium driven by Playwright, closed afterwards."""
    playwright = pytest.importorskip("playwright.sync_api")
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("no Chromium installed (Debian: apt-get install chromium)")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


def read_until_quiet(ws: Any, quiet: float) -> list[dict[str, Any]]:
    """The messages that arrive until none has for ``quiet`` seconds (a TestClient socket:
    its receive stream read with a time limit in the socket's own event loop)."""
    import anyio

    async def receive() -> Any:
        with anyio.move_on_after(quiet):
            return await ws._send_rx.receive()
        return None

    found: list[dict[str, Any]] = []
    while (message := ws.portal.call(receive)) is not None:
        ws._raise_on_close(message)
        found.append(json.loads(message["text"]))
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def jupyterlab_server(root: Path) -> Iterator[str]:
    """A JupyterLab server serving ``root``, stopped afterwards; yields its base URL with
    the token as a query (``{url}/lab/tree/NAME.ipynb?token=...``: see ``lab_url``).
    Its configuration, runtime, data, settings and workspace folders are inside ``root``,
    so it knows no notebook signature of this machine (every notebook it opens is
    untrusted until run) and no layout of an earlier session; it asks about no news."""
    pytest.importorskip("jupyterlab")
    port, token = _free_port(), "chainrule-test"
    settings = root / ".settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}', encoding="utf-8")
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(root / ".jupyter"),
        "JUPYTER_RUNTIME_DIR": str(root / ".run"),
        "JUPYTER_DATA_DIR": str(root / ".data"),
        "JUPYTERLAB_SETTINGS_DIR": str(root / ".settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(root / ".workspaces"),
    }
    args = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", f"--port={port}",
            "--ip=127.0.0.1", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
            "--LabApp.news_url=",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]  # fmt: skip
    # Its log goes to a file: a pipe nobody reads would fill up and stall the server.
    log = root / "jupyterlab.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{url}/api?token={token}", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not start: " + log.read_text(errors="replace")[-2000:])
        yield f"{url}?token={token}"
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def lab_url(base: str, notebook: str) -> str:
    """The address that opens ``notebook`` (a path under the lab's root) in JupyterLab."""
    url, _, query = base.partition("?")
    return f"{url}/lab/tree/{notebook}?{query}"
