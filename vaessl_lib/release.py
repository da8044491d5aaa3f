"""Where the book lives and which version of it a reader has: the one place that says so.

Every link that leads a reader from a page to code names the same repository and the same
release: the Colab badge of each notebook (``blob/<RELEASE>/notebooks/...``), its install
cell (``pip install "vaessl_lib @ git+https://github.com/<REPOSITORY>.git@<RELEASE>"``),
the book's repository button (``_config.yml``) and the recorded results that notebooks
fetch in Colab (:mod:`vaessl_lib.recorded`).  So a reader who opens a notebook of release
``v0.1.0`` installs the library of ``v0.1.0``, not whatever ``main`` holds that day.

``RELEASE`` is written by one command, ``python3 dev.py release VERSION`` (``tools/release.py``),
which also rewrites the badges, install cells and ``pyproject.toml``; ``tests/test_release.py``
fails when any of them disagrees with this file.
"""

from __future__ import annotations

REPOSITORY = "vaessl/vaessl"     # GitHub owner/name
RELEASE = "v0.1.0"               # the git tag of this version: "v" + pyproject's version

REPO_URL = f"https://github.com/{REPOSITORY}"
RAW_URL = f"https://raw.githubusercontent.com/{REPOSITORY}/{RELEASE}/"


def colab_url(path: str) -> str:
    """The Colab link of a notebook of this release, ``path`` relative to the repository root."""
    return f"https://colab.research.google.com/github/{REPOSITORY}/blob/{RELEASE}/{path}"


def pip_spec(extras: str = "") -> str:
    """What a Colab install cell passes to pip: this package at this release (``extras`` e.g. ``"exercises"``)."""
    name = f"vaessl_lib[{extras}]" if extras else "vaessl_lib"
    return f"{name} @ git+{REPO_URL}.git@{RELEASE}"
