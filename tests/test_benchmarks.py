"""The benchmark scripts run and end with the lines their README numbers come from (tiny settings)."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_throughput_script_reports_a_speedup():
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "m2_throughput.py"), "--batch", "8",
                           "--steps", "2"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert re.fullmatch(r"speedup=\d+\.\d\d", proc.stdout.strip().splitlines()[-1])


def test_ablation_script_lists_its_variants():
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "m2_ablation.py"), "--list"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and "m2_paper" in proc.stdout and "supervised" in proc.stdout


def test_ssl_benchmark_runs_records_and_reports_gains_against_own_baseline(tmp_path):
    env = {**__import__("os").environ, "VAESSL_RESULTS": str(tmp_path), "OMP_NUM_THREADS": "1"}
    script = str(ROOT / "benchmarks" / "ssl_methods.py")
    run = subprocess.run([sys.executable, script, "run", "--labels", "100", "--seeds", "0", "--epoch-scale", "0.01",
                          "--variants", "supervised/mlp", "self-training/mlp"],
                         capture_output=True, text=True, timeout=300, env=env)
    assert run.returncode == 0, run.stderr
    assert "2 runs to do" in run.stdout
    again = subprocess.run([sys.executable, script, "run", "--labels", "100", "--seeds", "0", "--epoch-scale",
                            "0.01", "--variants", "supervised/mlp"], capture_output=True, text=True, env=env)
    assert "0 runs to do (2 recorded)" in again.stdout          # finished runs are not repeated
    rep = subprocess.run([sys.executable, script, "report"], capture_output=True, text=True, env=env)
    assert rep.returncode == 0, rep.stderr
    line = next(l for l in rep.stdout.splitlines() if l.startswith("| self-training/mlp | 100 |"))
    assert re.search(r"\| [+-]\d+\.\d \|", line)                 # a gain against supervised/mlp
    assert (tmp_path / "ssl_mnist-5k.png").stat().st_size > 10_000 and (tmp_path / "ssl_mnist-5k.md").exists()


def test_search_scores_validation_only_and_reports_how_stable_the_choice_is(tmp_path):
    """`search` never scores the test set; its report marks the best candidate on validation and re-scores
    the recorded per-example results on smaller validation sets."""
    import json

    env = {**__import__("os").environ, "VAESSL_RESULTS": str(tmp_path), "OMP_NUM_THREADS": "1"}
    script = str(ROOT / "benchmarks" / "ssl_methods.py")
    run = subprocess.run([sys.executable, script, "search", "--dataset", "mnist-5k", "--variants", "supervised/mlp",
                          "--jobs", "2"], capture_output=True, text=True, timeout=600, env=env)
    assert run.returncode == 0, run.stderr
    rows = [json.loads(line) for line in (tmp_path / "search_mnist-5k.jsonl").read_text().splitlines()]
    assert len(rows) == 4 and all("test_accuracy" not in r and r["val_size"] == 500 for r in rows)
    rep = subprocess.run([sys.executable, script, "search-report", "--dataset", "mnist-5k"], capture_output=True,
                         text=True, env=env)
    assert rep.returncode == 0, rep.stderr
    table = [l for l in rep.stdout.splitlines() if l.startswith("| supervised/mlp |")]
    assert len(table) == 4 and sum("**chosen**" in l for l in table) == 1
    best = max(rows, key=lambda r: r["val_accuracy"])
    assert f"| {best['candidate']} |" in next(l for l in table if "**chosen**" in l)
    assert all(re.search(r"\| (\d+%|-) \| \d+% \|", l) for l in table)     # picked with 1,000 (n/a) / 100 val
