"""Sphinx extension: the book serves MathJax 3 from its own ``_static/mathjax``, not from a CDN.

Registered in ``_config.yml`` (``sphinx: local_extensions: {mathjax_local: tools/}``) next to
``mathjax_path: mathjax/tex-mml-chtml.js``, so that ``python3 dev.py book`` and a plain
``jupyter-book build .`` both give pages whose math typesets offline (CI, a headless browser,
a laptop on a train) and, the files travelling with the site, online as well.

The files come from the PyPI package ``django-static-mathjax`` (in the ``book`` extra): the
official MathJax 3.2.2 ``es5`` build, in ``mathjax/static/mathjax/es5``; it needs no Django.
Sphinx >= 4 emits MathJax 3 configuration (``mathjax3_config``), which is what this build reads;
a ``mathjax2_config`` is refused. A ``mathjax_path`` that is a URL (``https://...``) turns the
copying off and the CDN is used as before.
"""

from __future__ import annotations

import json
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ExtensionError
from sphinx.util import logging
from sphinx.util.osutil import copyfile, ensuredir

logger = logging.getLogger(__name__)

PREFIX = "mathjax/"  # mathjax_path is relative to _static; the es5 folder becomes _static/mathjax
# the combined components besides the one mathjax_path names are never loaded: leave them out (~13 MB)
COMBINED = ("tex-", "mml-", "node-main.js", "latest.js")


def mathjax_es5() -> Path:
    """The es5 folder of the installed django-static-mathjax package."""
    try:
        import mathjax  # the import name of django-static-mathjax
    except ImportError as exc:
        raise ExtensionError("mathjax_local: MathJax is not installed; `pip install django-static-mathjax` "
                             "(it is in the book extra: `python3 dev.py book` installs it)") from exc
    es5 = Path(mathjax.__file__).resolve().parent / "static" / "mathjax" / "es5"
    if not (es5 / "startup.js").is_file():
        raise ExtensionError(f"mathjax_local: {es5} holds no MathJax es5 build (is `mathjax` another package?)")
    return es5


def mathjax_version() -> str:
    return json.loads((mathjax_es5().parent / "package.json").read_text())["version"]


def _is_local(path: str) -> bool:
    return bool(path) and "://" not in path and not path.startswith(("/", "//"))


def check_config(app: Sphinx, config: Config) -> None:
    path = config.mathjax_path
    if not _is_local(path):
        return
    if not path.startswith(PREFIX):
        raise ExtensionError(f"mathjax_local: mathjax_path {path!r} must start with {PREFIX!r} (or be a URL)")
    version = mathjax_version()
    if not version.startswith("3."):
        raise ExtensionError(f"mathjax_local: MathJax {version} installed; Sphinx's mathjax3_config needs MathJax 3")
    if config.mathjax2_config:
        raise ExtensionError("mathjax_local: the book serves MathJax 3; use mathjax3_config, not mathjax2_config")
    if not (mathjax_es5() / path.removeprefix(PREFIX)).is_file():
        raise ExtensionError(f"mathjax_local: MathJax {version} has no component {path.removeprefix(PREFIX)!r}")


def copy_mathjax(app: Sphinx, exc: Exception | None) -> None:
    path = app.config.mathjax_path
    if exc is not None or app.builder.format != "html" or not _is_local(path):
        return
    es5, component = mathjax_es5(), path.removeprefix(PREFIX)
    output = "svg" if "svg" in component else "chtml"
    dest = Path(app.outdir) / "_static" / "mathjax"
    count = 0
    for src in sorted(es5.rglob("*")):
        rel = src.relative_to(es5)
        if src.is_dir():
            continue
        if len(rel.parts) == 1 and rel.name != component and rel.name.startswith(COMBINED):
            continue
        if rel.parts[0] == "output" and len(rel.parts) > 1 and not rel.parts[1].startswith(output):
            continue  # the other output jax (svg or chtml) and its fonts
        ensuredir(dest / rel.parent)
        copyfile(src, dest / rel)  # a no-op when the file is already there, unchanged
        count += 1
    logger.info("mathjax_local: MathJax %s (%s, %d files) in %s", mathjax_version(), component, count, dest)


def setup(app: Sphinx) -> dict:
    app.setup_extension("sphinx.ext.mathjax")  # defines mathjax_path (html builders load it anyway)
    app.connect("config-inited", check_config)
    app.connect("build-finished", copy_mathjax)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
