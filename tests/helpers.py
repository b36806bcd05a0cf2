"""What several test modules need alike: headless Chromium (skipped with the install
advice when it is missing, which CI=true turns into a failure) and a WebSocket's
messages read until it falls quiet."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
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
