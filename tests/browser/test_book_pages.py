"""The built book as a reader sees it: every page of the TOC opens in headless Chromium, offline.

Checks that every chapter page loads without Sphinx error text, that math is typeset by the MathJax the
book serves itself (no raw TeX left), that every notebook page shows an executed figure and links to
its own notebook on Colab. Screenshots go to _build/screenshots/. Needs `python3 dev.py book` first.
"""

from __future__ import annotations

import base64
import re
import urllib.error
import urllib.parse
import urllib.request

from pathlib import Path

import pytest
import yaml
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[2]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
REPO = CONFIG["repository"]["url"].removeprefix("https://github.com/").strip("/")
BRANCH = CONFIG["repository"].get("branch", "main")
MATH_PAGE = "book/ch05_m2"
SCREENSHOT_NOTEBOOK = "notebooks/m2_quickstart"
ERROR_TEXT = ("Traceback (most recent call last)", "System Message", "Unknown directive type",
              "Unknown interpreted text role", "Unknown target name")
RAW_TEX = ("$$", "\\begin", "\\end{", "\\(", "\\[", "\\frac", "\\mathcal", "\\sum")



def toc_files() -> list[str]:
    """Every page of _toc.yml in reading order (root, chapters, their sections), without suffix."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections"))

    for part in toc.get("parts") or []:
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return [f.removesuffix(".md").removesuffix(".ipynb") for f in files]


def notebook_pages() -> list[str]:
    """The TOC's pages that are notebooks/*.ipynb."""
    return [f for f in toc_files() if f.startswith("notebooks/") and (ROOT / f"{f}.ipynb").is_file()]


def chapter_pages() -> list[str]:
    return [f for f in toc_files() if f not in notebook_pages()]


# wait for MathJax's first typesetting pass; resolves to {version} or {error}
WAIT_FOR_MATHJAX = """
const done = arguments[arguments.length - 1], t0 = Date.now();
(function poll() {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    MathJax.startup.promise.then(() => done({version: MathJax.version}), e => done({error: String(e)}));
  } else if (Date.now() - t0 > 20000) {
    done({error: window.MathJax ? "MathJax configured but its script never ran" : "MathJax not loaded"});
  } else setTimeout(poll, 50);
})();
"""

# the article's text without code, scripts and typeset math: what a reader sees as prose
PROSE_TEXT = """
const main = (document.querySelector("article") || document.querySelector("main") || document.body).cloneNode(true);
main.querySelectorAll("pre, code, script, style, mjx-container, .highlight").forEach(e => e.remove());
return main.textContent;
"""

FIGURE_SELECTOR = ".cell_output img, .output img"
FIGURES = f"""
return [...document.querySelectorAll("{FIGURE_SELECTOR}")].map(i => ({{
  src: i.currentSrc || i.src, complete: i.complete, width: i.naturalWidth, height: i.naturalHeight}}));
"""


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def open_page(browser, server: str, page: str) -> str:
    """Load page (HTTP 200 first), wait until it and its images have loaded; return its URL."""
    url = f"{server}/{page}.html"
    status, _ = fetch(url)
    assert status == 200, f"{url}: HTTP {status}"
    browser.get_log("browser")  # drop the previous page's console messages
    browser.get(url)
    WebDriverWait(browser, 60).until(
        lambda d: d.execute_script("return document.readyState === 'complete' && [...document.images].every(i => i.complete)"))
    return url


def local_console_errors(browser, server: str) -> list[str]:
    """The book's own files that failed to load, and uncaught errors of its scripts.

    Remote files fail offline by design (widget and thebe CDNs, the Colab badge); the browser's own
    /favicon.ico request and the themes' console.error logs are not errors of the book.
    """
    return [m for e in browser.get_log("browser") if e["level"] == "SEVERE" and server in (m := e["message"])
            and ("Uncaught" in m or ("Failed to load resource" in m and "/favicon.ico" not in m))]


def typeset_math(browser) -> dict:
    """Wait for MathJax if the page has math; return counts of math elements and of typeset ones."""
    n_math = browser.execute_script("return document.querySelectorAll('.math').length")
    result = {"math": n_math, "typeset": 0, "version": None}
    if n_math:
        status = browser.execute_async_script(WAIT_FOR_MATHJAX)
        assert "error" not in status, status["error"]
        result["version"] = status["version"]
        result["typeset"] = browser.execute_script(
            "return [...document.querySelectorAll('.math')].filter(e => e.querySelector('mjx-container')).length")
    return result


def assert_no_raw_tex(browser, page: str) -> None:
    prose = browser.execute_script(PROSE_TEXT)
    raw = [t for t in RAW_TEX if t in prose]
    assert not raw, f"{page}: raw TeX left in the page text: {raw}"


@pytest.mark.parametrize("page", chapter_pages())
def test_chapter_page_loads_without_errors_and_its_math_is_typeset(browser, server, page):
    open_page(browser, server, page)
    assert CONFIG["title"] in browser.title and browser.title.strip() != CONFIG["title"], browser.title
    assert browser.find_elements("css selector", "article h1"), f"{page}: no heading"
    bad = browser.execute_script("return [...document.querySelectorAll('.system-message, .problematic')]"
                                 ".map(e => e.textContent.slice(0, 200))")
    assert not bad, f"{page}: docutils/Sphinx error markup: {bad}"
    text = browser.find_element("tag name", "body").text
    assert not [t for t in ERROR_TEXT if t in text], f"{page}: error text in the page"
    math = typeset_math(browser)
    assert math["typeset"] == math["math"], f"{page}: {math['typeset']} of {math['math']} formulas typeset"
    if math["math"]:
        assert_no_raw_tex(browser, page)
    assert not local_console_errors(browser, server)


def test_math_is_typeset_by_the_books_own_mathjax(browser, server, screenshots):
    open_page(browser, server, MATH_PAGE)
    scripts = browser.execute_script("return [...document.scripts].map(s => s.src).filter(s => /mathjax/i.test(s))")
    scripts = [s.split("?")[0] for s in scripts]  # Sphinx may add ?v=<checksum>
    assert scripts == [f"{server}/_static/mathjax/tex-mml-chtml.js"], f"MathJax not served by the book: {scripts}"
    math = typeset_math(browser)
    assert math["version"].startswith("3."), math
    assert math["math"] >= 10 and math["typeset"] == math["math"], math
    assert browser.execute_script("return document.querySelectorAll('mjx-container[display=\"true\"]').length") >= 3
    # fonts and glyphs really rendered: a display formula has a size
    size = browser.execute_script("const m = document.querySelector('mjx-container[display=\"true\"]');"
                                  "m.scrollIntoView({block: 'center'}); const r = m.getBoundingClientRect();"
                                  "return [r.width, r.height]")
    assert size[0] > 50 and size[1] > 10, size
    assert_no_raw_tex(browser, MATH_PAGE)
    assert not local_console_errors(browser, server)
    WebDriverWait(browser, 10).until(lambda d: d.execute_script("return document.fonts.status === 'loaded'"))
    browser.save_screenshot(str(screenshots / "ch05_m2.png"))


@pytest.mark.parametrize("page", notebook_pages())
def test_notebook_page_shows_an_executed_figure_and_its_colab_link(browser, server, screenshots, page):
    open_page(browser, server, page)
    figures = []  # indices of the output images that are executed figures: PNG data or a local image file
    for i, fig in enumerate(browser.execute_script(FIGURES)):
        src = fig["src"]
        if src.startswith("data:image/png;base64,"):
            assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n", f"{page}: bad PNG data"
        elif src.startswith(server):
            status, payload = fetch(src)
            assert status == 200 and payload, f"{page}: figure {src}: HTTP {status}, {len(payload)} bytes"
        else:
            continue  # remote (a badge): not an executed figure, and offline it cannot load
        assert fig["complete"] and fig["width"] > 0 and fig["height"] > 0, f"{page}: figure did not load: {src[:80]}"
        figures.append(i)
    assert figures, f"{page}: no executed figure among the cell outputs"

    expected = f"https://colab.research.google.com/github/{REPO}/blob/{BRANCH}/{page}.ipynb"
    links = browser.execute_script(
        "return [...document.querySelectorAll('a[href*=\"colab.research.google.com\"]')].map(a => a.href)")
    assert links, f"{page}: no Colab link"
    assert all(link == expected for link in links), f"{page}: Colab links {links}, expected {expected}"
    math = typeset_math(browser)
    assert math["typeset"] == math["math"], f"{page}: {math['typeset']} of {math['math']} formulas typeset"
    assert not local_console_errors(browser, server)
    # one numbering scheme: chapters carry numbers (1-7), a notebook's headings only its own ("1. The forward
    # process", never "4.7.2. 1. The forward process")
    numbers = browser.execute_script("return [...document.querySelectorAll('article .section-number')]"
                                     ".map(e => e.textContent)")
    assert not numbers, f"{page}: Sphinx section numbers {numbers} in front of the notebook's own headings"
    # tables a cell displays as Markdown render as tables, not as raw pipes (nb_render_markdown_format: gfm)
    raw = browser.execute_script("return [...document.querySelectorAll('.cell_output')]"
                                 ".map(e => e.innerText).filter(t => /\\|\\s*:?-{3,}/.test(t)).length")
    assert raw == 0, f"{page}: {raw} cell outputs show a Markdown table as raw text"
    if "Markdown(" in (ROOT / f"{page}.ipynb").read_text():
        tables = browser.execute_script("return document.querySelectorAll('.cell_output table').length")
        assert tables, f"{page}: a cell displays a Markdown table, but no table is rendered in its outputs"

    if page == SCREENSHOT_NOTEBOOK or (SCREENSHOT_NOTEBOOK not in notebook_pages() and page == notebook_pages()[0]):
        browser.execute_script(f"document.querySelectorAll('{FIGURE_SELECTOR}')[{figures[0]}]"
                               ".scrollIntoView({block: 'center'})")
        browser.save_screenshot(str(screenshots / f"{re.sub(r'[^A-Za-z0-9_]', '_', page)}.png"))
