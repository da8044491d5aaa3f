#!/usr/bin/env python3
"""The project's two commands, with nothing but Python 3.11 and pip on the machine.

    python3 dev.py book    # set up .venv, build the book (executing every notebook) into _build/html
    python3 dev.py test    # set up .venv, run every test: unit tests, notebook validation (nbval),
                           # then build the book (cached) and check its pages in headless Chromium

Each command creates ``.venv`` on first use and installs the package with its
``book`` and ``test`` extras plus the pinned torch of ``requirements-ci.txt``
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
    run(PY, "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[test,book]")
    run(PY, "-m", "ipykernel", "install", "--sys-prefix", "--name", "python3", "--display-name", "Python 3 (vaessl)")
    stamp.write_text(stamp_text)


def env_vars() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("MPLBACKEND", "Agg")
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    return env


def build_book(clean: bool = False) -> None:
    """The book into _build/html, every notebook executed (jupyter-cache: re-run only when its code changed)."""
    if clean:
        shutil.rmtree(ROOT / "_build", ignore_errors=True)
    env = env_vars()
    # the notebooks' kernels inherit this environment: with MPLBACKEND=Agg, plt.show() draws nothing into
    # the page; without it ipykernel picks its inline backend and the figures are in the book
    env.pop("MPLBACKEND", None)
    run(BIN / "jupyter-book", "build", ".", "--builder", "html", "-W", "--keep-going", env=env)


def book(args: list[str]) -> int:
    ensure_env()
    build_book(clean="--clean" in args)
    print(f"\nThe book is in {ROOT / '_build' / 'html' / 'index.html'}")
    return 0


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
    # of the cells marked # NBVAL_CHECK_OUTPUT, from tests/nbval_reference.json)
    nbval_dir = ROOT / "_build" / "nbval"
    run(PY, ROOT / "tools" / "nbtools.py", "with-references", ROOT / "notebooks", nbval_dir)
    run(PY, "-m", "pytest", "--nbval-lax", "--nbval-current-env", "-p", "no:cacheprovider", nbval_dir,
        *flags, env=env_vars())
    # the book as a reader sees it: built as `dev.py book` builds it, its pages opened in headless Chromium
    build_book()
    run(PY, "-m", "pytest", "tests/browser", "-p", "no:cacheprovider", *flags, env=env_vars())
    print(f"\nScreenshots of the book are in {ROOT / '_build' / 'screenshots'}")
    return 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("book", "test"):
        print(__doc__)
        return 2
    try:
        return {"book": book, "test": test}[argv[0]](argv[1:])
    except subprocess.CalledProcessError as exc:
        print(f"\nfailed ({exc.returncode}): {' '.join(map(str, exc.cmd))}", file=sys.stderr)
        return exc.returncode or 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
