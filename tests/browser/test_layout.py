"""Every page of the book at a desktop and a phone width: nothing cut off, nothing to scroll sideways.

For each page of the TOC and each width this takes a screenshot (``_build/screenshots/layout/``, to be
looked at) and checks what a reader would notice first: code that runs off the page, display math cut
off at the edge of its box, and more than one search box.
"""

from __future__ import annotations

import re

import pytest

from test_book_pages import open_page, toc_files, typeset_math

WIDTHS = {"desktop": (1280, 1000), "phone": (390, 844)}

# code a reader reads (cell inputs, code blocks in the text) that is wider than its box
WIDE_CODE = """
return [...document.querySelectorAll('article div.highlight pre')]
  .filter(p => !p.closest('.cell_output') && p.offsetParent !== null && p.scrollWidth > p.clientWidth + 1)
  .map(p => p.textContent.split('\\n').reduce((a, b) => a.length >= b.length ? a : b).slice(0, 80));
"""

# display math that is wider than the box it sits in and can neither be seen whole nor scrolled
CUT_MATH = """
const cut = [];
for (const m of document.querySelectorAll('article mjx-container[display="true"]')) {
  if (m.offsetParent === null) continue;                      // inside a closed drop-down
  const scrolls = ['auto', 'scroll'].includes(getComputedStyle(m).overflowX);
  const box = (m.closest('.admonition, .exercise, .solution, section') || m.parentElement).getBoundingClientRect();
  const r = m.getBoundingClientRect();
  const sticksOut = r.right > box.right + 1 || r.left < box.left - 1;
  const overflows = m.scrollWidth > m.clientWidth + 1;
  if (sticksOut || (overflows && !scrolls)) cut.push(m.textContent.slice(0, 60));
}
return cut;
"""

# search boxes a reader can see (text fields and the themes' search buttons that open one)
VISIBLE_SEARCH = """
const seen = el => { const r = el.getBoundingClientRect(), s = getComputedStyle(el);
  return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
return [...document.querySelectorAll('input[type="search"], form.bd-search input, .search-button-field')]
  .filter(seen).map(el => el.outerHTML.slice(0, 100));
"""

PAGE_WIDTH = "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]"


@pytest.fixture
def sized(browser):
    """The session's browser; set back to the desktop size after each test."""
    yield browser
    browser.set_window_size(*WIDTHS["desktop"])


@pytest.mark.parametrize("page", toc_files())
def test_page_at_desktop_and_phone_width(sized, server, screenshots, page):
    folder = screenshots / "layout"
    folder.mkdir(parents=True, exist_ok=True)
    for name, size in WIDTHS.items():
        sized.set_window_size(*size)
        open_page(sized, server, page)
        typeset_math(sized)                                   # measure math after MathJax has laid it out
        sized.save_screenshot(str(folder / f"{re.sub(r'[^A-Za-z0-9_]', '_', page)}-{name}.png"))
        scroll, client = sized.execute_script(PAGE_WIDTH)
        assert scroll <= client + 1, f"{page} ({name}): the page is {scroll}px wide in a {client}px window"
        assert not sized.execute_script(WIDE_CODE), f"{page} ({name}): code lines run off the page"
        assert not sized.execute_script(CUT_MATH), f"{page} ({name}): display math cut off"
        search = sized.execute_script(VISIBLE_SEARCH)
        assert len(search) <= 1, f"{page} ({name}): {len(search)} search boxes: {search}"
