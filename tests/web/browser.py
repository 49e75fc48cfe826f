"""Headless Chromium through Playwright, as the page's tests and bench/web_page.py drive it.

The browser is Debian's (`apt-get install chromium`: /usr/bin/chromium, or $LCDB_CHROMIUM);
Playwright's own browser downloads are never used. The flags keep Chromium off the network
(background services, component updates, sync): on a closed network its connection attempts
are refused and logged, and nothing of the page may depend on them.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

ENV_CHROMIUM = "LCDB_CHROMIUM"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOW = (
    "the browser tests need Chromium and playwright: `apt-get install chromium` and "
    "`pip install playwright` (in the test extra; no `playwright install` needed)"
)


def chromium_path() -> Path | None:
    configured = os.environ.get(ENV_CHROMIUM)
    if configured:
        return Path(configured)
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


def missing() -> str | None:
    """Why the browser cannot be driven here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return f"playwright is not installed; {HOW}"
    path = chromium_path()
    if path is None or not path.is_file():
        return f"no Chromium found (set {ENV_CHROMIUM} or install it); {HOW}"
    return None


def page_url(tap_url: str) -> str:
    """The page's URL: the site root beside the service's …/tap."""
    return tap_url.removesuffix("/tap") + "/"
