"""One release, named the same everywhere (tools/release.py), and the workflow that publishes the book."""

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from vaessl_lib import recorded, release

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "book.yml"


def load_tool():
    spec = importlib.util.spec_from_file_location("release_tool", ROOT / "tools" / "release.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tool = load_tool()


def test_every_badge_install_cell_and_link_names_this_release():
    assert tool.check(ROOT) == []
    assert tool.current(ROOT) == (release.REPOSITORY, release.RELEASE)
    assert recorded.RAW_URL == f"https://raw.githubusercontent.com/{release.REPOSITORY}/{release.RELEASE}/benchmarks/results/"
    config = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
    assert (config["url"], config["branch"]) == (release.REPO_URL, release.RELEASE)


@pytest.fixture
def copy(tmp_path):
    """The files a release rewrites, copied out of the checkout."""
    for rel in ("notebooks", "exercises", "book"):
        shutil.copytree(ROOT / rel, tmp_path / rel, ignore=shutil.ignore_patterns("_build", ".ipynb_checkpoints"))
    for rel in ("vaessl_lib/release.py", "pyproject.toml", "_config.yml", "README.md"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / rel, tmp_path / rel)
    return tmp_path


def test_one_command_moves_every_link_to_a_new_release(copy):
    changed = tool.write("9.8.7", copy)
    assert tool.check(copy) == [] and tool.current(copy)[1] == "v9.8.7"
    assert copy / "notebooks" / "m2_quickstart.ipynb" in changed and copy / "pyproject.toml" in changed
    nb = (copy / "notebooks" / "m2_quickstart.ipynb").read_text()
    assert f"git+https://github.com/{release.REPOSITORY}.git@v9.8.7" in nb
    assert f"/blob/v9.8.7/notebooks/m2_quickstart.ipynb" in nb
    for path in tool.text_files(copy):
        assert f"@{release.RELEASE}" not in path.read_text(), path
    assert tool.write("9.8.7", copy) == []          # idempotent
    with pytest.raises(SystemExit, match="major.minor.patch"):
        tool.write("latest", copy)


def test_a_link_to_main_or_to_another_notebook_is_caught(copy):
    nb = copy / "notebooks" / "diffusion.ipynb"
    text = nb.read_text()
    nb.write_text(text.replace(f".git@{release.RELEASE}", ".git@main")
                      .replace(f"blob/{release.RELEASE}/notebooks/diffusion.ipynb", f"blob/{release.RELEASE}/notebooks/limits.ipynb"))
    problems = tool.check(copy)
    assert any("diffusion.ipynb: installs" in p and "@main" in p for p in problems), problems
    assert any("diffusion.ipynb: its Colab badge opens notebooks/limits.ipynb" in p for p in problems), problems
    cfg = copy / "_config.yml"
    cfg.write_text(cfg.read_text().replace(f"branch: {release.RELEASE}", "branch: main"))
    assert any(p.startswith("_config.yml: repository branch main") for p in tool.check(copy))


def test_the_publishing_workflow_is_valid_and_runs_what_ci_runs():
    """GitHub Actions cannot run here: the workflow is checked against GitHub's schema (check-jsonschema's
    vendored copy, offline) and its steps against .ci/run and _config.yml."""
    result = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
                             str(WORKFLOW)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    flow = yaml.safe_load(WORKFLOW.read_text())
    test = flow["jobs"]["test"]
    runs = [s.get("run", "") for s in test["steps"]]
    assert "bash .ci/run" in runs and test["timeout-minutes"] <= 90
    assert "python3 dev.py test" in (ROOT / ".ci" / "run").read_text()
    setup = next(s for s in test["steps"] if s.get("uses", "").startswith("actions/setup-python"))
    assert setup["with"]["python-version"] == "3.11"
    cache = next(s for s in test["steps"] if s.get("uses", "").startswith("actions/cache"))
    execute = yaml.safe_load((ROOT / "_config.yml").read_text())["execute"]
    assert execute["cache"] in cache["with"]["path"]                    # the jupyter-cache is restored
    upload = next(s for s in test["steps"] if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == "_build/html"                      # the student edition, never the instructor's
    publish = flow["jobs"]["publish"]
    assert publish["needs"] == "test" and "refs/heads/main" in publish["if"]
    assert any(s.get("uses", "").startswith("actions/deploy-pages") for s in publish["steps"])
