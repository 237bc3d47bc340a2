"""A real Chromium page at 360 px for end-to-end tests (the `page` fixture in the root conftest).

Debian's chromium, driven by Playwright; browsers are never downloaded. Without Chromium the tests skip
locally with a clear message; under CI (the CI variable set) a missing Chromium is a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SCREENSHOTS = Path(os.environ.get("ALONGSIDE_SCREENSHOTS", "var/screenshots"))


def phone_page() -> Iterator[Any]:
    """Yields a Playwright page in a 360 x 740 touch viewport."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        if os.environ.get("CI"):
            pytest.fail(f"CI must have Chromium at {CHROMIUM}")
        pytest.skip(f"No Chromium at {CHROMIUM}: install Debian's chromium package to run browser tests")
    # Playwright's sync API runs an event loop in this thread; Django's ORM in the test body is fine.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=1, has_touch=True)
        yield context.new_page()
        context.close()
        browser.close()
