"""Packaging contracts: the two dependency lists agree, CI runs the README's test command."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _norm(req: str) -> str:
    return re.sub(r"\s+", "", req).lower()


def test_environment_yml_names_the_same_dependencies_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = set(map(_norm, project["dependencies"]))
    for extra in project["optional-dependencies"].values():
        declared |= set(map(_norm, extra))
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_list = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    listed = {_norm(r) for r in pip_list if not r.startswith("-e")}
    assert listed == declared


def test_torch_is_declared_loosely_and_pinned_only_for_ci():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    torch_req = next(r for r in project["dependencies"] if r.startswith("torch") and not r.startswith("torchvision"))
    assert ">=" in torch_req and "==" not in torch_req
    pins = (ROOT / "requirements-ci.txt").read_text()
    assert re.search(r"^torch==", pins, re.M) and re.search(r"^torchvision==", pins, re.M)


def test_readme_opens_with_the_two_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text()
    first_block = re.search(r"```(?:bash|sh)?\n(.*?)```", readme, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in first_block.splitlines() if line.strip() and not line.startswith("#")]
    assert commands == ["python3 dev.py book", "python3 dev.py test"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert "set -euo pipefail" in ci and "python3 dev.py test" in ci


def test_book_config_is_jupyter_book_1_with_errors_fatal():
    cfg = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert cfg["only_build_toc_files"] is True
    assert cfg["execute"]["allow_errors"] is False
    assert cfg["sphinx"]["config"]["nb_execution_raise_on_error"] is True
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    assert toc["format"] == "jb-book"


def test_the_wheel_ships_the_visible_exercise_tests_and_not_the_masters(tmp_path):
    """Colab installs the package from git: the checks of every exercise notebook must come with it."""
    import subprocess
    import sys
    import zipfile

    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
                    "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True)
    (wheel,) = tmp_path.glob("vaessl_lib-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    shipped = {n for n in names if n.startswith("vaessl_lib/course/exercise_tests/")}
    expected = {f"vaessl_lib/course/exercise_tests/{p.parent.name}/{p.name}"
                for p in (ROOT / "vaessl_lib" / "course" / "exercise_tests").glob("*/*.py")}
    assert expected and shipped == expected
    assert not [n for n in names if n.endswith(".ipynb")], "masters and notebooks stay out of the package"
    assert "hidden=True" not in "".join(zipfile.ZipFile(wheel).read(n).decode() for n in shipped)


def test_the_ml_core_imports_nothing_of_the_course():
    """Models, data, training, methods, the CLI: importing all of them loads no module of vaessl_lib.course."""
    names = sorted(".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
                   for p in (ROOT / "vaessl_lib").rglob("*.py")
                   if "course" not in p.parts and "exercise_tests" not in p.parts and p.name != "__main__.py")
    code = (f"import importlib, sys\nfor name in {names!r}:\n    importlib.import_module(name)\n"
            "print(sorted(n for n in sys.modules if n.startswith('vaessl_lib.course')))\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.strip() == "[]", res.stdout
