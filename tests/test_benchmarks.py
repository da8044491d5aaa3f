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


FAKE_PYRO_EXAMPLE = '''
import os
from visdom import Visdom                      # the real example imports it at the top
from utils.helpers import EPOCH_IMAGES         # ... and its own utils package


class MNISTCached:
    train_data_sup = "a split cached by an earlier call"


def setup_data_loaders(dataset, use_cuda, batch_size, sup_num=None, root=None, download=True):
    assert dataset.train_data_sup is None, "the harness must clear the cached split"
    return {"unsup": type("Loader", (), {"dataset": list(range(EPOCH_IMAGES))})(), "root": root}


def run_inference_for_epoch(data_loaders, losses, periodic_interval_batches):
    return [0.0], [0.0]


def print_and_log(logger, msg):
    print(msg)
    if logger is not None:
        logger.write(msg + "\\n")


def main(args):
    loaders = setup_data_loaders(MNISTCached, args.cuda, args.batch_size, sup_num=args.sup_num)
    assert os.path.isfile(os.path.join(loaders["root"], "MNISTCached", "raw", "train-images-idx3-ubyte"))
    assert (args.sup_num, args.batch_size, args.aux_loss_multiplier) == (100, 100, 46.0)
    logger = open(args.logfile, "w") if args.logfile else None
    for epoch in range(args.num_epochs):
        run_inference_for_epoch(loaders, [], 1)
        print_and_log(logger, f"{epoch} epoch: validation accuracy 0.5")
    print_and_log(logger, "best validation accuracy 0.5 corresponding testing accuracy 0.4")
    if logger:
        logger.close()
'''


def test_the_speed_benchmark_runs_pyros_own_main_with_its_data_and_times_each_epoch(tmp_path, monkeypatch):
    """benchmarks/m2_speed.py drives Pyro's example unchanged: a stand-in with the same entry points shows
    that its visdom import is answered, its loader gets the MNIST files and every epoch's inference is timed."""
    import importlib.util

    import pytest

    spec = importlib.util.spec_from_file_location("m2_speed", ROOT / "benchmarks" / "m2_speed.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    example, raw, work = tmp_path / "vae", tmp_path / "raw", tmp_path / "work"
    (example / "utils").mkdir(parents=True)
    (example / "utils" / "__init__.py").write_text("")
    (example / "utils" / "helpers.py").write_text("EPOCH_IMAGES = 7\n")
    (example / "ss_vae_M2.py").write_text(FAKE_PYRO_EXAMPLE)
    raw.mkdir()
    with pytest.raises(SystemExit, match="train-images-idx3-ubyte is missing"):
        bench.load_pyro(example, raw, work)
    for name in bench.IDX:
        (raw / name).write_bytes(b"")
    with pytest.raises(SystemExit, match="no ss_vae_M2.py there"):
        bench.load_pyro(tmp_path / "nowhere", raw, work)
    monkeypatch.setattr(sys, "path", list(sys.path))
    module = bench.load_pyro(example, raw, work)
    printed = []
    timings = bench.run_pyro(module, 3, tmp_path / "pyro.log", printed)
    assert [t["images"] for t in timings] == [7, 7, 7] and all(t["seconds"] >= 0 for t in timings)
    assert len(printed) == 4 and printed[-1].startswith("best validation accuracy 0.5")
    assert "best validation accuracy 0.5" in (tmp_path / "pyro.log").read_text()
    assert bench.gemm_rate(64, 32, 16, reps=2, rounds=1) > 0
    for name in [n for n in sys.modules if n.split(".")[0] in ("utils", "visdom", "pyro_ss_vae_M2")]:
        monkeypatch.delitem(sys.modules, name)


def test_a_benchmark_run_cut_off_mid_way_goes_on_from_its_last_epoch_when_run_again(tmp_path):
    """A session that ends mid-run (the process group killed) loses at most the epoch in progress: the next
    `run` resumes the run from partial/<run>/ and records the row an uninterrupted run records."""
    import json
    import os
    import signal
    import time

    script = str(ROOT / "benchmarks" / "ssl_methods.py")
    args = [sys.executable, script, "run", "--labels", "100", "--seeds", "0", "--epoch-scale", "0.1",
            "--variants", "m2/mlp"]                                     # 3 epochs of m2 and of its baseline
    rows = {}
    for name in ("whole", "cut"):
        env = {**os.environ, "VAESSL_RESULTS": str(tmp_path / name), "OMP_NUM_THREADS": "1"}
        if name == "cut":
            proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                    start_new_session=True)
            deadline = time.time() + 300
            while not list((tmp_path / name / "partial").glob("*m2-mlp*/resume.pt")) and time.time() < deadline:
                time.sleep(0.02)
            os.killpg(proc.pid, signal.SIGKILL)                         # the end of a session
            proc.wait()
            left = [json.loads(l) for l in (tmp_path / name / "ssl_mnist-5k.jsonl").read_text().splitlines()] \
                if (tmp_path / name / "ssl_mnist-5k.jsonl").exists() else []
            assert not any(r["variant"] == "m2/mlp" for r in left)    # cut off before it finished
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        rows[name] = next(json.loads(l) for l in (tmp_path / name / "ssl_mnist-5k.jsonl").read_text().splitlines()
                          if json.loads(l)["variant"] == "m2/mlp")
        assert not any((tmp_path / name / "partial").glob("*/*"))      # recorded runs leave no checkpoints
    assert rows["cut"].get("resumed") is True and "resumed" not in rows["whole"]
    for key in ("val_accuracy", "val_curve", "test_accuracy", "steps"):
        assert rows["cut"][key] == rows["whole"][key], key
