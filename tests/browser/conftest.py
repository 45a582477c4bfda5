"""The playground (`python -m bot try`) in its own process, and Debian's Chromium driven by
Playwright. Skipped, saying why, where no Chromium is installed (.ci/run installs it)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.playground_process import Playground, running_playground


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def playground(tmp_path: Path) -> Iterator[Playground]:
    with running_playground(tmp_path, "--fresh") as running:
        yield running


@pytest.fixture
def browser() -> Iterator[Any]:
    executable = _chromium()
    if executable is None:
        pytest.skip("no Chromium on this machine (Debian's `chromium` package; .ci/run installs "
                    "it with apt-get): the browser tests are skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A desktop-sized page; on failure a screenshot is kept next to the test's tmp files."""
    context = browser.new_context(viewport={"width": 1400, "height": 860}, locale="zh-CN")
    opened = context.new_page()
    opened.set_default_timeout(30_000)  # a failure bound on a busy machine, not a wait
    yield opened
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        shot = Path(os.environ.get("BROWSER_FAILURES", tmp_path)) / f"{request.node.name}.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        opened.screenshot(path=str(shot), full_page=True)
        print(f"screenshot of the failure: {shot}")
    context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
