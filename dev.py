#!/usr/bin/env python3
"""The project's two commands, with nothing but Python 3.11 and pip on the machine.

    python3 dev.py book    # set up .venv, build the book (executing every notebook) into _build/html
    python3 dev.py test    # set up .venv, run every test: unit tests (the graded exercises included),
                           # notebook validation (nbval), then build both editions of the book (cached)
                           # and check their pages in headless Chromium

and the instructors' ones:

    python3 dev.py book --instructor     # the instructor edition (solutions as drop-downs), _build/instructor/_build/html
    python3 dev.py exercises             # exercises/*.ipynb masters -> student editions, autograders, pages
    python3 dev.py grade SUBMISSIONS     # a folder of submitted notebooks -> grades.csv
    python3 dev.py notebooks --full      # every notebook in its full setting -> benchmarks/results/notebooks_full.jsonl
    python3 dev.py release 0.2.0         # pin badges, install cells and links to tag v0.2.0 (then commit, tag)

Each command creates ``.venv`` on first use and installs the package with its
``book``, ``test`` and ``exercises`` extras plus the pinned torch of ``requirements-ci.txt``
(set ``TORCH_SPEC`` to install another torch, e.g. ``TORCH_SPEC="torch torchvision"``).
Later runs reuse the environment unless ``pyproject.toml`` or the pins changed.
Extra arguments after ``test`` go to pytest (``python3 dev.py test -k m2``).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("VAESSL_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")


def run(*cmd: str | Path, **kw) -> None:
    print("+", " ".join(map(str, cmd)), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT, **kw)


def ensure_env() -> None:
    """Create .venv and install what the book and the tests need (once per change of the pins)."""
    pins = (ROOT / "requirements-ci.txt").read_text()
    torch_spec = os.environ.get("TORCH_SPEC", "")
    stamp_text = hashlib.sha256(((ROOT / "pyproject.toml").read_text() + pins + torch_spec).encode()).hexdigest()
    stamp = VENV / ".vaessl-installed"
    if stamp.exists() and stamp.read_text() == stamp_text and PY.exists():
        return
    if not PY.exists():
        print(f"creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    run(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    if torch_spec:
        run(PY, "-m", "pip", "install", "--quiet", *torch_spec.split())
    else:
        run(PY, "-m", "pip", "install", "--quiet", "-r", ROOT / "requirements-ci.txt")
    run(PY, "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[test,book,exercises]")
    run(PY, "-m", "ipykernel", "install", "--sys-prefix", "--name", "python3", "--display-name", "Python 3 (vaessl)")
    stamp.write_text(stamp_text)


SHARED_DATA = ROOT.parent / "shared" / "data"   # the build machines' read-only copy of full MNIST


def env_vars() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    # full MNIST from ../shared/data where it exists (read in place, never written to); elsewhere the
    # library downloads it, and the tests that need it are skipped with the reason
    if "VAESSL_DATA" not in env and (SHARED_DATA / "MNIST" / "raw").is_dir():
        env["VAESSL_DATA"] = str(SHARED_DATA)
    env.setdefault("MPLBACKEND", "Agg")
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    return env


INSTRUCTOR = ROOT / "_build" / "instructor"


def html_dir(edition: str = "student") -> Path:
    return (INSTRUCTOR / "_build" / "html") if edition == "instructor" else (ROOT / "_build" / "html")


def build_book(clean: bool = False, edition: str = "student") -> None:
    """The book into _build/html (student edition: exercises without solutions) or
    _build/instructor/_build/html (instructor edition: solutions as drop-downs), every notebook executed
    (jupyter-cache, shared by both editions: a notebook re-runs only when its code changed)."""
    if clean:
        shutil.rmtree(ROOT / "_build", ignore_errors=True)
    env = env_vars()
    # the notebooks' kernels inherit this environment: with MPLBACKEND=Agg, plt.show() draws nothing into
    # the page; without it ipykernel picks its inline backend and the figures are in the book
    env.pop("MPLBACKEND", None)
    env["VAESSL_EDITION"] = edition
    extra = ["--path-output", str(INSTRUCTOR)] if edition == "instructor" else []
    run(BIN / "jupyter-book", "build", ".", "--builder", "html", "-W", "--keep-going", *extra, env=env)


def book(args: list[str]) -> int:
    ensure_env()
    edition = "instructor" if "--instructor" in args else "student"
    build_book(clean="--clean" in args, edition=edition)
    print(f"\nThe {edition} edition of the book is in {html_dir(edition) / 'index.html'}")
    return 0


def exercises(args: list[str]) -> int:
    """Masters (exercises/) -> student editions, visible tests, book pages, autograders (_build/exercises)."""
    ensure_env()
    run(PY, "-m", "vaessl_lib", "assign", *args, env=env_vars())
    return 0


def grade(args: list[str]) -> int:
    """A folder of submitted exercise notebooks -> a CSV of scores (``python -m vaessl_lib grade --help``)."""
    ensure_env()
    run(PY, "-m", "vaessl_lib", "grade", *args, env=env_vars())
    return 0


def notebooks(args: list[str]) -> int:
    """Execute every notebook in one setting and record wall time and headline numbers
    (tools/run_notebooks.py): ``dev.py notebooks --full`` runs the full (GPU) setting on whatever device exists."""
    ensure_env()
    return subprocess.run([str(PY), str(ROOT / "tools" / "run_notebooks.py"), *args], cwd=ROOT, env=env_vars()).returncode


def release(args: list[str]) -> int:
    """Pin every badge, install cell and link to one release (tools/release.py): ``dev.py release 0.2.0``."""
    return subprocess.run([sys.executable, str(ROOT / "tools" / "release.py"), *args], cwd=ROOT).returncode


def ensure_browser() -> None:
    """Debian's Chromium and ChromeDriver for tests/browser: installed with apt-get when missing
    (as root, or through sudo); elsewhere, say what to install (or set CHROMIUM / CHROMEDRIVER)."""
    if os.environ.get("CHROMIUM") and os.environ.get("CHROMEDRIVER"):
        return
    if shutil.which("chromium") and shutil.which("chromedriver"):
        return
    apt = shutil.which("apt-get")
    sudo = [] if hasattr(os, "geteuid") and os.geteuid() == 0 else (["sudo", "-n"] if shutil.which("sudo") else None)
    if apt is None or sudo is None:
        raise SystemExit("the browser test needs Chromium and ChromeDriver: install Debian's `chromium` and "
                         "`chromium-driver` (or set CHROMIUM and CHROMEDRIVER to their paths) and run again")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run(*sudo, apt, "update", "-qq", env=env)
    run(*sudo, apt, "install", "-y", "-qq", "--no-install-recommends", "chromium", "chromium-driver",
        "fonts-liberation", env=env)


def test(args: list[str]) -> int:
    ensure_env()
    ensure_browser()
    flags = [a for a in args if a in ("-x", "-q", "-v")]
    # unit tests (tests/browser is left out: norecursedirs), then every notebook executed by nbval
    # (its asserts check the stable facts it states)
    run(PY, "-m", "pytest", "tests", *args, env=env_vars())
    # (the notebooks are committed without outputs: nbval runs on copies that carry the reference outputs
    # of the cells tagged nbval-check-output, from tests/nbval_reference.json)
    nbval_dir = ROOT / "_build" / "nbval"
    run(PY, ROOT / "tools" / "nbtools.py", "with-references", ROOT / "notebooks", nbval_dir)
    run(PY, "-m", "pytest", "--nbval-lax", "--nbval-current-env", "-p", "no:cacheprovider",
        "--nbval-sanitize-with", ROOT / "tests" / "nbval_sanitize.cfg", nbval_dir, *flags, env=env_vars())
    # the book as a reader sees it: built as `dev.py book` builds it (both editions: the instructor one
    # reuses the executed notebooks), its pages opened in headless Chromium
    build_book()
    build_book(edition="instructor")
    run(PY, "-m", "pytest", "tests/browser", "-p", "no:cacheprovider", *flags, env=env_vars())
    print(f"\nScreenshots of the book are in {ROOT / '_build' / 'screenshots'}")
    return 0


def main(argv: list[str]) -> int:
    commands = {"book": book, "test": test, "exercises": exercises, "grade": grade, "release": release,
                "notebooks": notebooks}
    if not argv or argv[0] not in commands:
        print(__doc__)
        return 2
    try:
        return commands[argv[0]](argv[1:])
    except subprocess.CalledProcessError as exc:
        print(f"\nfailed ({exc.returncode}): {' '.join(map(str, exc.cmd))}", file=sys.stderr)
        return exc.returncode or 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
