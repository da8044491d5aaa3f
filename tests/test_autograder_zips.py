"""The autograder zips that ``python -m vaessl_lib assign`` builds, as ``otter grade`` (Docker) and
Gradescope use them: they install what the exercise notebooks import, at the book's release, and grade
each question all or nothing.

otter 7 puts an assignment's ``requirements`` into the pip section of the zip's ``environment.yml``,
which its ``setup.sh`` installs (``mamba env create``) before any notebook is graded; without them every
``from vaessl_lib ...`` of a notebook fails there. ``assign`` adds them, and ``all_or_nothing: true`` per
question, to a temporary copy of each master (``vaessl_lib.course.assign._for_autograder``).
"""

from __future__ import annotations

import ast
import hashlib
import importlib.metadata
import json
import re
import sys
import tomllib
import zipfile
from pathlib import Path

import nbformat
import pytest
import yaml

from vaessl_lib.course.assign import (AUTOGRADER_PYTHON, AUTOGRADER_TORCH, TORCH_CPU_INDEX, Layout, assign,
                               autograder_requirements, read_master)
from vaessl_lib.course.grading import MASTER_IN_ZIP
from vaessl_lib.release import RELEASE, pip_spec

ROOT = Path(__file__).resolve().parents[1]
MASTERS = sorted((ROOT / "exercises").glob("*.ipynb"))


def _digest(paths) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """``assign`` on the committed masters into a temporary folder; the masters' digests before and after."""
    before = _digest(MASTERS)
    layout = Layout.under(tmp_path_factory.mktemp("zips"))
    masters = {m.name: m for m in assign(ROOT / "exercises", layout, log=lambda line: None)}
    return layout, masters, before, _digest(MASTERS)


def _zip(layout: Layout, name: str) -> zipfile.ZipFile:
    return zipfile.ZipFile(layout.build / "autograder" / f"{name}.zip")


def _pip_requirements(zf: zipfile.ZipFile) -> tuple[list[str], list[str]]:
    env = yaml.safe_load(zf.read("environment.yml"))
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    (pip,) = [d["pip"] for d in env["dependencies"] if isinstance(d, dict)]
    return conda, pip


def test_a_zip_per_master_with_what_otter_grade_and_gradescope_run(built):
    layout, masters, *_ = built
    assert sorted(p.stem for p in (layout.build / "autograder").glob("*.zip")) == sorted(p.stem for p in MASTERS)
    for name, master in masters.items():
        with _zip(layout, name) as zf:
            names = set(zf.namelist())
            # Gradescope runs setup.sh once per image and run_autograder per submission
            assert {"setup.sh", "run_autograder", "run_otter.py", "environment.yml", "otter_config.json"} <= names
            assert json.loads(zf.read("otter_config.json"))["assignment_name"] == name
            # and the master, the rubric of `python -m vaessl_lib grade --autograders`
            assert zf.read(MASTER_IN_ZIP) == (ROOT / "exercises" / f"{name}.ipynb").read_bytes(), name
            assert sorted(n for n in names if n.startswith("tests/")) == \
                sorted(f"tests/{q.name}.py" for q in master.questions), name


def test_the_zips_install_the_package_at_the_books_release_and_cpu_torch(built):
    layout, masters, *_ = built
    want = autograder_requirements()
    assert want == [f"--extra-index-url {TORCH_CPU_INDEX}", *AUTOGRADER_TORCH, pip_spec("exercises")]
    assert pip_spec("exercises") == f"vaessl_lib[exercises] @ git+https://github.com/vaessl/vaessl.git@{RELEASE}"
    otter = importlib.metadata.version("otter-grader")
    for name in masters:
        with _zip(layout, name) as zf:
            conda, pip = _pip_requirements(zf)
            text = zf.read("environment.yml").decode()
        assert f"python={AUTOGRADER_PYTHON}" in conda, (name, conda)
        # otter's own pin first (the same otter that wrote the tests), then ours, in order
        assert pip == [f"otter-grader[grading,plugins]=={otter}", *want], (name, pip)
        assert "@main" not in text and f".git@{RELEASE}" in text, name


def test_the_torch_requirements_are_as_loose_as_the_package_declares_them():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    declared = {re.split(r"[<>=!~ ]", d, maxsplit=1)[0]: d.replace(" ", "") for d in deps}
    assert [declared["torch"], declared["torchvision"]] == list(AUTOGRADER_TORCH)


def _imported(code: str) -> set[str]:
    # IPython magics and shell lines (the Colab install cell's %pip) are not Python: keep their indentation
    code = re.sub(r"^(\s*)[%!].*$", r"\1pass", code, flags=re.M)
    names = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _installed_by_the_requirements() -> set[str]:
    """Import names that the autograder's environment has: the standard library, otter (with IPython, which
    it runs notebooks in), and vaessl_lib with its dependencies and its ``exercises`` extra."""
    wanted = set()
    for req in importlib.metadata.requires("vaessl_lib") or []:
        name, _, marker = req.partition(";")
        if not marker or "extra == \"exercises\"" in marker.replace("'", '"'):
            wanted.add(re.split(r"[<>=!~ \[]", name.strip(), maxsplit=1)[0].lower().replace("_", "-"))
    modules = {mod for mod, dists in importlib.metadata.packages_distributions().items()
               if any(d.lower().replace("_", "-") in wanted for d in dists)}
    return set(sys.stdlib_module_names) | modules | {"vaessl_lib", "otter", "IPython"}


def test_the_notebooks_and_tests_import_nothing_the_zips_do_not_install(built):
    layout, masters, *_ = built
    have = _installed_by_the_requirements()
    assert {"torch", "torchvision", "numpy", "otter", "yaml"} <= have
    for name in masters:
        nb = nbformat.read(layout.build / "solutions" / f"{name}.ipynb", as_version=4)
        with _zip(layout, name) as zf:
            tests = [zf.read(n).decode() for n in zf.namelist() if n.startswith("tests/")]
        imported = set().union(*(_imported(c.source) for c in nb.cells if c.cell_type == "code"),
                               *(_imported(t) for t in tests))
        assert "vaessl_lib" in imported and imported <= have, (name, sorted(imported - have))


def test_every_question_is_graded_all_or_nothing(built):
    from otter.test_files.exception_test import ExceptionTestFile

    layout, masters, *_ = built
    for name, master in masters.items():
        with _zip(layout, name) as zf:
            for q in master.questions:
                text = zf.read(f"tests/{q.name}.py").decode()
                assert re.search(r"^all_or_nothing = True$", text, re.M), (name, q.name)
                assert re.search(rf"^points = {q.points:g}$", text, re.M), (name, q.name)
                assert text.count("hidden=True") == q.hidden_tests, (name, q.name)
        # the visible tests shipped in the package are the same files without the hidden cases
        shipped = (layout.tests / name / "q1.py").read_text()
        assert "all_or_nothing = True" in shipped and "hidden=True" not in shipped


def test_otter_gives_a_question_nothing_when_one_of_its_tests_fails(built, tmp_path):
    """vae_intuition q1 as otter grades it from the zip: the right answer gets its 2 points; the same run
    with its last (hidden) test case failed gets 0, where without all or nothing it would keep the points
    of the cases that passed."""
    import dataclasses

    import torch
    from otter.test_files.exception_test import ExceptionTestFile

    layout, masters, *_ = built
    with _zip(layout, "vae_intuition_exercises") as zf:
        (tmp_path / "q1.py").write_bytes(zf.read("tests/q1.py"))
    test = ExceptionTestFile.from_file(str(tmp_path / "q1.py"))
    assert test.all_or_nothing and test.test_cases[-1].hidden
    test.run({"reparameterize": lambda mu, logvar, eps: mu + torch.exp(0.5 * logvar) * eps})
    assert test.passed_all and test.score == test.possible == 2
    last = test.test_case_results[-1]
    test.test_case_results[-1] = dataclasses.replace(last, passed=False, message="failed")
    assert test.passed_all_public and not test.passed_all and test.score == 0
    test.all_or_nothing = False                           # what otter would give without it
    assert 0 < test.score < 2


def test_assign_leaves_the_masters_as_they_are(built):
    layout, masters, before, after = built
    assert before == after
    for path in MASTERS:   # the autograder's settings are added to a temporary copy only
        config = yaml.safe_load(nbformat.read(path, as_version=4).cells[0].source.split("\n", 1)[1])
        assert "requirements" not in config and "python_version" not in config, path.name
        assert read_master(path).questions
