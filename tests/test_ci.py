"""The suite's own promise: with CI=true a skip fails the run, elsewhere it skips."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

CONFTEST = (Path(__file__).parent / "conftest.py").read_text()
SKIPPING = """
import pytest
pytest.importorskip("a_module_nobody_has")

def test_never_runs():
    pass
"""
SKIPPING_INSIDE = """
import pytest

def test_skips():
    pytest.skip("needs something this machine lacks")
"""


@pytest.mark.parametrize("source", [SKIPPING, SKIPPING_INSIDE], ids=["module-level", "in-test"])
def test_a_skip_fails_in_ci_and_skips_elsewhere(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, source: str
) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_x=source)
    monkeypatch.setenv("CI", "true")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*skipped in CI (CI=true), which counts as a failure*"])
    monkeypatch.setenv("CI", "false")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret in (0, 5)  # 5: the module-level skip leaves no test collected
    result.stdout.fnmatch_lines(["*1 skipped*"])
