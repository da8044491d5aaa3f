"""Interrupted runs (issue 17 item 3): a checkpoint after every epoch, written atomically, and --resume
ending with the history and the model of an uninterrupted run."""

from __future__ import annotations

import csv
import random
import signal
import subprocess
import sys
import time

import pytest
import torch

from vaessl_lib import VaesslError, load_dataset, split_labeled_unlabeled, train_method
from vaessl_lib.outputs import RESUME_FILE, check_run_dir, replace_atomically
from vaessl_lib.train import Callback

TRAIN = ["-m", "vaessl_lib", "train", "--method", "self-training", "--dataset", "mnist-5k", "--epochs", "4",
         "--device", "cpu", "--no-progress"]


def _history(path) -> list[dict]:
    rows = list(csv.DictReader(open(path)))
    for row in rows:
        row.pop("seconds")                        # wall time is the one column that may differ
    return rows


def _weights(path) -> dict:
    return torch.load(path, map_location="cpu", weights_only=True)["state_dict"]


def test_killed_at_a_random_moment_and_resumed_the_run_ends_as_an_uninterrupted_one(tmp_path):
    """SIGKILL (nothing can be cleaned up) at a random moment after the first epoch's checkpoint, then
    `train --resume`: the same history and the same weights as the run that was never interrupted."""
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    done = subprocess.run([sys.executable, *TRAIN, "--out", str(whole)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    proc = subprocess.Popen([sys.executable, *TRAIN, "--out", str(cut)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    t0 = time.monotonic()
    while not (cut / RESUME_FILE).exists() and proc.poll() is None and time.monotonic() - t0 < 300:
        time.sleep(0.02)
    # a random moment while the run still has epochs to go: within 80 % of the time the uninterrupted
    # run spent after its first epoch (on a fast machine a fixed 1.5 s outlasts the whole run)
    rest = sum(float(r["seconds"]) for r in list(csv.DictReader(open(whole / "history.csv")))[1:])
    delay = random.uniform(0.0, 0.8 * rest)
    time.sleep(delay)
    proc.kill()
    proc.communicate(timeout=60)
    if proc.returncode == 0:
        pytest.skip("the run finished before it could be killed (a very fast machine)")
    resumed = subprocess.run([sys.executable, *TRAIN, "--out", str(cut), "--resume"], capture_output=True,
                             text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming the run in" in resumed.stdout, resumed.stdout
    assert _history(cut / "history.csv") == _history(whole / "history.csv"), f"killed {delay:.2f}s after epoch 1"
    a, b = _weights(whole / "model.pt"), _weights(cut / "model.pt")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    # resume.pt removed at the end, and any half-written .part file the kill left behind is gone too
    assert sorted(p.name for p in cut.iterdir()) == ["history.csv", "model.pt"]


class _StopAfter(Callback):
    """Ctrl-C right after epoch ``n`` has been saved."""

    def __init__(self, n: int) -> None:
        self.n = n

    def on_epoch_start(self, trainer, epoch: int) -> None:
        if epoch == self.n:
            raise KeyboardInterrupt


@pytest.mark.parametrize("method,settings", [
    ("m2", dict(epochs=4, classifier_warmup=0.5)),        # the classifier restart at epoch 2 resets Adam's state
    ("pi", dict(epochs=3)),                              # dropout, random shifts and the consistency ramp-up
    ("co-teaching", dict(epochs=3, label_noise=0.2)),    # two networks, a forget-rate schedule
])
def test_resume_through_the_api_gives_the_uninterrupted_history(tmp_path, method, settings):
    data = load_dataset("mnist-5k")
    split = split_labeled_unlabeled(data, 100, seed=0, n_unlabeled=300)
    common = dict(split=split, seed=0, log=None, progress=False, device="cpu", **settings)
    whole = train_method(method, out=tmp_path / "whole", **common)
    with pytest.raises(KeyboardInterrupt):
        train_method(method, out=tmp_path / "cut", callbacks=[_StopAfter(2)], **common)
    assert (tmp_path / "cut" / RESUME_FILE).is_file() and not (tmp_path / "cut" / "model.pt").exists()
    assert len(_history(tmp_path / "cut" / "history.csv")) == 2
    resumed = train_method(method, out=tmp_path / "cut", resume=True, **common)
    drop = lambda h: [{k: v for k, v in r.items() if k != "seconds"} for r in h]       # noqa: E731
    assert drop(resumed.history) == drop(whole.history)
    assert resumed.test_accuracy == whole.test_accuracy


def test_resume_refuses_other_settings_a_finished_run_and_an_empty_folder(tmp_path):
    data = load_dataset("mnist-5k")
    split = split_labeled_unlabeled(data, 100, seed=0, n_unlabeled=200)
    common = dict(split=split, seed=0, log=None, progress=False, device="cpu")
    with pytest.raises(KeyboardInterrupt):
        train_method("supervised", out=tmp_path / "run", epochs=3, callbacks=[_StopAfter(1)], **common)
    with pytest.raises(VaesslError, match=r"started with other settings \(train\.epochs\)"):
        train_method("supervised", out=tmp_path / "run", epochs=5, resume=True, **common)
    with pytest.raises(VaesslError, match=r"other settings \(.*train\.lr"):
        train_method("supervised", out=tmp_path / "run", epochs=3, lr=3e-3, resume=True, **common)
    with pytest.raises(VaesslError, match="already holds a run .*--resume to continue it"):
        train_method("supervised", out=tmp_path / "run", epochs=3, **common)
    train_method("supervised", out=tmp_path / "run", epochs=3, resume=True, **common)
    with pytest.raises(VaesslError, match="finished run .* nothing left to resume"):
        train_method("supervised", out=tmp_path / "run", epochs=3, resume=True, **common)
    with pytest.raises(VaesslError, match="no interrupted run"):
        train_method("supervised", out=tmp_path / "empty", epochs=3, resume=True, **common)
    with pytest.raises(VaesslError, match="needs out="):
        train_method("supervised", epochs=3, resume=True, **common)
    with pytest.raises(VaesslError, match="not both"):
        check_run_dir(tmp_path / "run", overwrite=True, resume=True)


def test_overwrite_removes_the_old_run_before_the_new_one_starts(tmp_path):
    (tmp_path / "model.pt").write_text("old")
    (tmp_path / "history.csv").write_text("old")
    check_run_dir(tmp_path, overwrite=True)
    assert list(tmp_path.iterdir()) == []          # an interrupted new run never sits beside the old model


def test_replace_atomically_keeps_the_old_file_and_no_part_file_when_writing_fails(tmp_path):
    target = tmp_path / "history.csv"
    target.write_text("old")

    def half_then_interrupt(tmp):
        tmp.write_text("ha")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        replace_atomically(target, half_then_interrupt)
    assert target.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["history.csv"]
    replace_atomically(target, lambda tmp: tmp.write_text("new"))
    assert target.read_text() == "new" and sorted(p.name for p in tmp_path.iterdir()) == ["history.csv"]


def test_ctrl_c_during_training_says_how_to_resume(tmp_path):
    out = tmp_path / "run"
    proc = subprocess.Popen([sys.executable, *TRAIN, "--out", str(out)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    t0 = time.monotonic()
    while not (out / RESUME_FILE).exists() and proc.poll() is None and time.monotonic() - t0 < 300:
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    if proc.returncode == 0:
        pytest.skip("the run finished before the interrupt")
    assert proc.returncode == 130 and "Traceback" not in err, err
    assert err.strip().splitlines()[-1].startswith(f"error: interrupted; {out} keeps the run after epoch ")
    assert "--resume" in err
