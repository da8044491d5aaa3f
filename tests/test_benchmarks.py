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
