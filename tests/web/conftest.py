"""Fixtures of the browser tests: the ObsCore archive (a real SPOC lightcurve, frames with
footprints) served by uvicorn, one headless Chromium for the module, a fresh page per test
whose console is watched, and a directory for screenshots (kept as test artefacts)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.obscore.conftest import obscore_archive, obscore_live_url  # noqa: F401
from tests.web import browser as chromium

ENV_REQUIRE_BROWSER = "LCDB_REQUIRE_BROWSER"
#: Where screenshots go (else a pytest temporary directory, printed at the end).
ENV_ARTEFACTS = "LCDB_WEB_ARTEFACTS"


ARTEFACTS_KEY = pytest.StashKey[Path]()


@pytest.fixture(scope="session")
def artefacts(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    configured = os.environ.get(ENV_ARTEFACTS)
    directory = Path(configured) if configured else tmp_path_factory.mktemp("web-screenshots")
    directory.mkdir(parents=True, exist_ok=True)
    request.config.stash[ARTEFACTS_KEY] = directory
    return directory


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Says where the screenshots are, after the run's summary."""
    directory = config.stash.get(ARTEFACTS_KEY, None)
    if directory is not None and any(directory.iterdir()):
        terminalreporter.write_line(f"browser test screenshots: {directory}")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium, required in CI (LCDB_REQUIRE_BROWSER), skipped with instructions elsewhere."""
    why = chromium.missing()
    if why is not None:
        if os.environ.get(ENV_REQUIRE_BROWSER):
            pytest.fail(f"{why}; {ENV_REQUIRE_BROWSER} is set, so they may not be skipped")
        pytest.skip(why)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(chromium.chromium_path()), args=chromium.ARGS
        )
        yield launched
        launched.close()


@dataclass
class Console:
    """What the page said: console messages of type error and uncaught exceptions."""

    errors: list[str] = field(default_factory=list)

    def unexpected(self, *allowed: str) -> list[str]:
        return [e for e in self.errors if not any(a in e for a in allowed)]


@dataclass
class Page:
    page: Any
    url: str
    console: Console
    artefacts: Path

    def screenshot(self, name: str, *, full_page: bool = True) -> Path:
        path = self.artefacts / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path


@pytest.fixture
def web(browser: Any, obscore_live_url: str, artefacts: Path) -> Iterator[Page]:  # noqa: F811
    """The page loaded in a fresh browser context, examples and tables in."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15_000)
    console = Console()
    page.on("console", lambda m: console.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console.errors.append(f"uncaught: {e}"))
    url = chromium.page_url(obscore_live_url)
    page.goto(url)
    page.wait_for_selector("button.example")
    page.wait_for_selector("#table-list details")
    yield Page(page, url, console, artefacts)
    context.close()
