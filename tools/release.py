"""Pin the book to one release: every badge, install cell and link names the same repository and tag.

    python3 dev.py release 0.2.0      # writes v0.2.0 everywhere, then: commit, `git tag v0.2.0`, push --tags
    python3 tools/release.py check    # what disagrees with vaessl_lib/release.py (tests/test_release.py runs it)

The one place is ``vaessl_lib/release.py`` (``REPOSITORY``, ``RELEASE``).  ``write`` sets it from a
version and rewrites what repeats it: ``pyproject.toml``'s version, ``_config.yml``'s repository
(the book's Colab and repository buttons), and in every notebook, exercise master, generated exercise
page, ``README.md`` and ``book/*.md`` the Colab links (``blob/<tag>/<path>``), the install specs
(``git+https://github.com/<repo>.git@<tag>``) and the ``git clone`` lines.  ``check`` lists every
place that says otherwise, including a Colab badge that opens another notebook than its own (an exercise master's opens
its student edition).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VERSION = re.compile(r"^\d+\.\d+\.\d+$")
COLAB = re.compile(r"colab\.research\.google\.com/github/([\w.-]+/[\w.-]+)/blob/([\w.\-]+)/([\w./<>-]+\.ipynb)")
INSTALL = re.compile(r"git\+https://github\.com/([\w-]+/[\w-]+)(\.git)?(@[\w.\-]+)?")
CLONE = re.compile(r"git clone (--depth 1 )?(--branch [\w.\-]+ )?https://github\.com/([\w-]+/[\w-]+)")


def text_files(root: Path) -> list[Path]:
    """Every file a reader's link to the repository can be in."""
    files = [*sorted((root / "notebooks").glob("*.ipynb")), *sorted((root / "notebooks" / "exercises").glob("*.ipynb")),
             *sorted((root / "exercises").glob("*.ipynb")), *sorted((root / "book").rglob("*.md")),
             root / "README.md"]
    return [f for f in files if f.is_file()]


def current(root: Path) -> tuple[str, str]:
    """(REPOSITORY, RELEASE) as ``vaessl_lib/release.py`` in ``root`` states them."""
    text = (root / "vaessl_lib" / "release.py").read_text()
    repo = re.search(r'^REPOSITORY = "([^"]+)"', text, re.M)
    release = re.search(r'^RELEASE = "([^"]+)"', text, re.M)
    if not (repo and release):
        raise SystemExit(f"{root / 'vaessl_lib' / 'release.py'} has no REPOSITORY = \"...\" or RELEASE = \"...\" line")
    return repo.group(1), release.group(1)


def check(root: Path = ROOT) -> list[str]:
    """Every place under ``root`` that names another repository or release than ``vaessl_lib/release.py``."""
    repo, release = current(root)
    problems: list[str] = []
    version = re.search(r'^version = "([^"]+)"', (root / "pyproject.toml").read_text(), re.M)
    if version is None or f"v{version.group(1)}" != release:
        problems.append(f"pyproject.toml: version {version.group(1) if version else '?'} is not {release} without its v")
    config = (root / "_config.yml").read_text()
    url = re.search(r"^\s+url: (\S+)", config, re.M)
    branch = re.search(r"^\s+branch: (\S+)", config, re.M)
    if url is None or url.group(1) != f"https://github.com/{repo}":
        problems.append(f"_config.yml: repository url {url.group(1) if url else '(none)'} is not https://github.com/{repo}")
    if branch is None or branch.group(1) != release:
        problems.append(f"_config.yml: repository branch {branch.group(1) if branch else '(none)'} is not {release}")
    for path in text_files(root):
        rel = path.relative_to(root).as_posix()
        text = path.read_text()
        for m in COLAB.finditer(text):
            if (m.group(1), m.group(2)) != (repo, release):
                problems.append(f"{rel}: Colab link to {m.group(1)}@{m.group(2)}, not {repo}@{release}")
        for m in INSTALL.finditer(text):
            if m.group(1) != repo or m.group(3) != f"@{release}":
                problems.append(f"{rel}: installs {m.group(0)}, not git+https://github.com/{repo}.git@{release}")
        for m in CLONE.finditer(text):
            if m.group(3) != repo or m.group(2) != f"--branch {release} ":
                problems.append(f"{rel}: `{m.group(0)}` does not clone {repo} at {release}")
        if path.suffix == ".ipynb":
            # a notebook's badge opens itself; an exercise master's opens its student edition
            target = f"notebooks/{rel}" if rel.startswith("exercises/") else rel
            opens = [m.group(3) for m in COLAB.finditer(text)]
            if opens and any(p != target for p in opens):
                problems.append(f"{rel}: its Colab badge opens {opens[0]}, not {target}")
    return problems


def write(version: str, root: Path = ROOT) -> list[Path]:
    """Set the release to ``v<version>`` everywhere; return the files it changed."""
    if not VERSION.match(version):
        raise SystemExit(f"release version must look like 0.2.0 (major.minor.patch), got {version!r}")
    repo, _ = current(root)
    tag = f"v{version}"
    changed: list[Path] = []

    def sub(path: Path, edits: list[tuple[re.Pattern | str, str]]) -> None:
        text = old = path.read_text()
        for pattern, repl in edits:
            text = (pattern if isinstance(pattern, re.Pattern) else re.compile(pattern, re.M)).sub(repl, text)
        if text != old:
            path.write_text(text)
            changed.append(path)

    sub(root / "vaessl_lib" / "release.py", [(r'^RELEASE = "[^"]+"', f'RELEASE = "{tag}"')])
    sub(root / "pyproject.toml", [(r'^version = "[^"]+"', f'version = "{version}"')])
    sub(root / "_config.yml", [(r"^(\s+)branch: \S+", rf"\g<1>branch: {tag}")])
    for path in text_files(root):
        sub(path, [(COLAB, lambda m: f"colab.research.google.com/github/{repo}/blob/{tag}/{m.group(3)}"),
                   (INSTALL, f"git+https://github.com/{repo}.git@{tag}"),
                   (CLONE, lambda m: f"git clone {m.group(1) or ''}--branch {tag} https://github.com/{repo}")])
    return changed


def main(argv: list[str]) -> int:
    if argv[:1] == ["check"]:
        problems = check()
        print("\n".join(problems) or f"every link names {'@'.join(current(ROOT))}")
        return 1 if problems else 0
    if len(argv) == 1 and not argv[0].startswith("-"):
        changed = write(argv[0].removeprefix("v"))
        for path in changed:
            print("wrote", path.relative_to(ROOT))
        problems = check()
        if problems:
            print("\n".join(problems))
            return 1
        tag = current(ROOT)[1]
        print(f"\nrelease {tag}: commit these files, then `git tag {tag}` and `git push origin main {tag}`")
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
