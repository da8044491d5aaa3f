"""The exercise pages in both editions of the book, as a reader sees them in headless Chromium.

Student edition (``_build/html``, the published book): every exercise of the master is on its page, with
its stub and a Colab link to its student notebook, and no solution anywhere in the page. Instructor
edition (``_build/instructor/_build/html``): every exercise has its solution as a drop-down that is
closed until clicked and then shows the solution code. Needs both editions built (``dev.py test`` does).
"""

from __future__ import annotations

import re

from pathlib import Path

import pytest
from selenium.webdriver.support.ui import WebDriverWait

from test_book_pages import REPO, BRANCH, local_console_errors, open_page, toc_files, typeset_math
from vaessl_lib.course.assign import solution_as_shown, read_master

ROOT = Path(__file__).resolve().parents[2]
EXERCISE_PAGES = [f for f in toc_files() if f.startswith("book/exercises/")]


def _master(page: str):
    return read_master(ROOT / "exercises" / f"{Path(page).name}.ipynb")


def _solution_lines(master) -> list[str]:
    """Distinctive lines of the solutions: what must not appear in the student edition."""
    lines = []
    for q in master.questions:
        for ln in solution_as_shown(q.solution).splitlines():
            ln = ln.strip()
            if len(ln) > 12 and not ln.startswith(("def ", "#", '"""')) and ln not in q.prompt:
                lines.append(ln)
    return lines


def test_there_is_an_exercise_page_per_master():
    assert sorted(Path(p).name for p in EXERCISE_PAGES) == sorted(p.stem for p in (ROOT / "exercises").glob("*.ipynb"))


@pytest.mark.parametrize("page", EXERCISE_PAGES)
def test_student_edition_shows_every_exercise_and_no_solution(browser, server, page):
    master = _master(page)
    open_page(browser, server, page)
    titles = browser.execute_script(
        "return [...document.querySelectorAll('div.exercise p.admonition-title')].map(e => e.textContent)")
    assert len(titles) == len(master.questions), titles
    for number, (title, q) in enumerate(zip(titles, master.questions), start=1):
        assert q.title in title.replace("\u2019", "'"), (title, q.title)      # Sphinx's smart quotes
        # one name per exercise, the notebook's "Question n": no "Exercise 5.1" to collide with section 5.1
        assert f"Question {number}:" in title and not re.search(r"Exercise \d", title), title
    assert browser.execute_script("return document.querySelectorAll('.solution').length") == 0
    html = browser.page_source
    leaked = [ln for ln in _solution_lines(master) if ln in browser.find_element("tag name", "body").text]
    assert not leaked, f"{page}: solution lines in the student edition: {leaked}"
    assert "Solution to" not in html
    colab = f"https://colab.research.google.com/github/{REPO}/blob/{BRANCH}/notebooks/exercises/{master.name}.ipynb"
    links = browser.execute_script(
        "return [...document.querySelectorAll('a[href*=\"colab.research.google.com\"]')].map(a => a.href)")
    assert colab in links, links
    math = typeset_math(browser)
    assert math["typeset"] == math["math"], f"{page}: {math['typeset']} of {math['math']} formulas typeset"
    assert not local_console_errors(browser, server)


@pytest.mark.parametrize("page", EXERCISE_PAGES)
def test_instructor_edition_has_each_solution_as_a_closed_drop_down(browser, instructor_server, page, screenshots):
    master = _master(page)
    open_page(browser, instructor_server, page)
    assert "Instructor edition" in browser.find_element("tag name", "body").text
    n = len(master.questions)
    WebDriverWait(browser, 20).until(
        lambda d: d.execute_script("return document.querySelectorAll('.solution.dropdown button.toggle-button').length") == n)
    hidden = browser.execute_script(
        "return [...document.querySelectorAll('.solution.dropdown')].map(s => s.querySelector('section'))"
        ".map(b => b ? (getComputedStyle(b).visibility === 'hidden' || b.getBoundingClientRect().height === 0) : null)")
    assert hidden == [True] * n, f"{page}: solutions should start closed: {hidden}"
    first = master.questions[0]
    solution_line = next(ln for ln in _solution_lines(master) if ln in solution_as_shown(first.solution))
    button = browser.find_element("css selector", ".solution.dropdown button.toggle-button")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()
    WebDriverWait(browser, 10).until(
        lambda d: d.execute_script("const b = document.querySelector('.solution.dropdown section');"
                                   "return getComputedStyle(b).visibility === 'visible' && b.getBoundingClientRect().height > 0"))
    # the drop-down opens with a transition: wait until the solution's code is visible text
    WebDriverWait(browser, 10).until(
        lambda d: solution_line in d.find_element("css selector", ".solution.dropdown").text,
        message=f"{page}: the opened solution does not show {solution_line!r}")
    assert not local_console_errors(browser, instructor_server)
    if page == "book/exercises/vae_intuition_exercises":
        browser.save_screenshot(str(screenshots / "instructor_exercises.png"))
