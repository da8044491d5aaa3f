"""Fixtures for the browser tests: the built book served on localhost, opened in headless Chromium.

These tests read ``_build/html``: run ``python3 dev.py book`` first (``python3 dev.py test`` builds the
book, then runs them). ``pytest tests`` leaves this folder out (``norecursedirs`` in pyproject.toml);
``pytest tests/browser`` runs it. Chromium and its driver are Debian's (``apt-get install chromium
chromium-driver``; ``python3 dev.py test`` installs them); set ``CHROMIUM`` / ``CHROMEDRIVER`` to use others.
The browser resolves no host name but localhost, so the pages are tested as they work offline.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
INSTRUCTOR_HTML = ROOT / "_build" / "instructor" / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"


@pytest.fixture(scope="session")
def site() -> Path:
    if not (HTML / "index.html").is_file():
        pytest.fail(f"the book is not built ({HTML} is missing): run `python3 dev.py book` first", pytrace=False)
    return HTML


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # no request log on stderr
        pass


def _serve(folder: Path):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


@pytest.fixture(scope="session")
def server(site: Path):
    """The base URL of an HTTP server for _build/html on a free port of 127.0.0.1."""
    httpd, url = _serve(site)
    yield url
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="session")
def instructor_server():
    """The same for the instructor edition (``python3 dev.py book --instructor``)."""
    if not (INSTRUCTOR_HTML / "index.html").is_file():
        pytest.fail(f"the instructor edition is not built ({INSTRUCTOR_HTML} is missing): run "
                    f"`python3 dev.py book --instructor` first", pytrace=False)
    httpd, url = _serve(INSTRUCTOR_HTML)
    yield url
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="session")
def browser(server):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    chromedriver = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver") or "/usr/bin/chromedriver"
    missing = [p for p in (chromium, chromedriver) if not Path(p).is_file()]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: `apt-get install chromium chromium-driver`", pytrace=False)
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,1000", "--hide-scrollbars", "--disable-extensions",
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1"):  # offline: no CDN, no internet
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=chromedriver))
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
