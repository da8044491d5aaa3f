"""The command line, run as users run it: ``python -m vaessl_lib ...`` in a subprocess."""

import csv
import re
import subprocess
import sys

import pytest


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "vaessl_lib", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=600)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    proc = cli("train", "--method", "notes", "--dataset", "mnist-5k", "--labels", "100", "--epochs", "3",
               "--seed", "0", "--out", str(out), "--device", "cpu", "--no-progress")
    return proc, out


def test_train_prints_epochs_and_final_accuracy_and_writes_files(trained):
    proc, out = trained
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert sum(line.startswith("Epoch ") for line in lines) == 3
    assert all("val_acc" in line for line in lines if line.startswith("Epoch "))
    assert re.fullmatch(r"val_accuracy=0\.\d{4}", lines[-2])
    assert re.fullmatch(r"test_accuracy=0\.\d{4}", lines[-1])
    rows = list(csv.DictReader(open(out / "history.csv")))
    assert len(rows) == 3 and {"ce", "U", "val_accuracy", "test_accuracy", "seconds"} <= set(rows[0])
    assert rows[0]["test_accuracy"] == "" and rows[-1]["test_accuracy"] != ""      # scored once, at the end
    assert (out / "model.pt").is_file()


def test_evaluate_prints_the_same_accuracy(trained):
    proc, out = trained
    ev = cli("evaluate", "--checkpoint", str(out / "model.pt"), "--dataset", "mnist-5k", "--device", "cpu")
    assert ev.returncode == 0, ev.stderr
    assert ev.stdout.strip() == proc.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize("classifier", ["mlp", "cnn"])
def test_classifier_option_applies_to_every_method(tmp_path, classifier):
    proc = cli("train", "--method", "supervised", "--labels", "100", "--epochs", "1", "--out", str(tmp_path),
               "--classifier", classifier, "--device", "cpu", "--no-progress")
    assert proc.returncode == 0, proc.stderr
    import torch
    ck = torch.load(tmp_path / "model.pt", weights_only=True)
    assert ck["model_config"]["classifier"]["name"] == classifier


def test_help_documents_every_option():
    text = cli("train", "--help").stdout
    for opt in ("--method", "--dataset", "--labels", "--epochs", "--seed", "--out", "--device", "--classifier",
                "--alpha", "--lr", "--data-root", "--no-progress", "--unlabeled", "supervised", "notes", "m2", "mnist-5k"):
        assert opt in text, opt
    text = cli("evaluate", "--help").stdout
    for opt in ("--checkpoint", "--dataset", "--device"):
        assert opt in text
    assert "train" in cli("--help").stdout


@pytest.mark.parametrize("args, needle", [
    (["train", "--method", "magic", "--out", "x"], "invalid choice"),
    (["train", "--method", "m2", "--dataset", "cifar", "--out", "x"], "invalid choice"),
    (["train", "--method", "m2", "--labels", "105", "--out", "x"], "multiple of 10"),
    (["train", "--method", "m2", "--labels", "5000", "--out", "x"], "at most"),
    (["train", "--method", "m2", "--epochs", "-3", "--out", "x"], "--epochs"),
    (["train", "--method", "notes", "--alpha", "5", "--out", "x"], "--alpha"),
    (["train", "--method", "m2", "--unlabeled", "4000", "--out", "x"], "unlabelled pool size must be a whole number from 1 to 3400"),
    (["train", "--method", "m2", "--unlabeled", "0", "--out", "x"], "--unlabeled"),
    (["evaluate", "--checkpoint", "missing.pt"], "does not exist"),
    (["evaluate", "--checkpoint", "corrupt.pt"], "corrupt"),
])
def test_bad_input_gets_one_line_and_nonzero_exit(tmp_path, args, needle):
    (tmp_path / "corrupt.pt").write_bytes(b"\x80\x02garbage")
    proc = cli(*args, cwd=tmp_path)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    err = proc.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:") and needle in err[0], proc.stderr


@pytest.mark.parametrize("method", ["supervised", "self-training", "co-training", "co-teaching", "pi", "ladder",
                                    "m2", "m2-pseudo", "m1m2", "adgm", "sdgm", "notes"])
def test_every_method_is_selectable_from_the_command_line(tmp_path, method):
    extra = ["--label-noise", "0.2"] if method == "co-teaching" else []
    proc = cli("train", "--method", method, "--dataset", "mnist-5k", "--labels", "100", "--epochs", "0",
               "--out", str(tmp_path), "--device", "cpu", "--no-progress", *extra)
    assert proc.returncode == 0, proc.stderr
    assert re.fullmatch(r"test_accuracy=0\.\d{4}", proc.stdout.strip().splitlines()[-1])
    assert (tmp_path / "model.pt").is_file()


@pytest.mark.parametrize("args, message", [
    (["--method", "pi", "--threshold", "0.9"], "--threshold applies to --method"),
    (["--method", "co-training", "--view", "diagonal"], "unknown view split 'diagonal'"),
    (["--method", "self-training", "--threshold", "1.5"], r"confidence in \(0, 1\)"),
    (["--method", "co-teaching", "--label-noise", "1.0"], r"label noise rate must be in \[0, 1\)"),
    (["--method", "adgm", "--classifier", "cnn"], "own classifier q\\(y\\|a,x\\)"),
    (["--method", "sdgm", "--threshold", "0.9"], "--threshold applies to --method"),
    (["--method", "pi", "--alpha", "100"], "--alpha applies to --method m2, m1m2, adgm, sdgm only"),
])
def test_bad_method_settings_get_one_line_errors(tmp_path, args, message):
    proc = cli("train", *args, "--epochs", "0", "--out", str(tmp_path), "--no-progress")
    assert proc.returncode == 2
    assert re.search(message, proc.stderr) and len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_a_bad_out_is_one_line_before_any_training(tmp_path):
    (tmp_path / "notes.txt").write_text("not a folder")
    for out, needle in ((tmp_path / "notes.txt", "is a file"), ("/proc/vaessl/run", "cannot be created or written")):
        proc = cli("train", "--method", "supervised", "--labels", "100", "--epochs", "3", "--out", str(out),
                   "--device", "cpu", "--no-progress")
        err = proc.stderr.strip().splitlines()
        assert proc.returncode != 0 and "Traceback" not in proc.stderr
        assert len(err) == 1 and err[0].startswith("error:") and needle in err[0], proc.stderr
        assert "Epoch " not in proc.stdout                          # refused before the first epoch
    assert (tmp_path / "notes.txt").read_text() == "not a folder"


def test_a_folder_holding_a_run_is_refused_unless_overwrite(trained):
    _, out = trained
    before = (out / "model.pt").read_bytes()
    args = ("train", "--method", "supervised", "--labels", "100", "--epochs", "0", "--out", str(out),
            "--device", "cpu", "--no-progress")
    proc = cli(*args)
    assert proc.returncode != 0 and "already holds a run (model.pt, history.csv)" in proc.stderr
    assert "--overwrite" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert (out / "model.pt").read_bytes() == before
    proc = cli(*args, "--overwrite")
    assert proc.returncode == 0, proc.stderr
    assert (out / "model.pt").read_bytes() != before and len(list(csv.DictReader(open(out / "history.csv")))) == 0


@pytest.mark.parametrize("delay", [0.2, 0.6, 1.5])
def test_ctrl_c_at_any_moment_of_the_start_gives_one_line_and_status_130(tmp_path, delay):
    """Issue 17 item 4: a Ctrl-C in the first second lands while torch and numpy load; it must still stop
    the command with one line, never a traceback, a swallowed interrupt or a finished run."""
    import signal
    import time

    out = tmp_path / "run"
    proc = subprocess.Popen([sys.executable, "-m", "vaessl_lib", "train", "--method", "supervised",
                             "--dataset", "mnist-5k", "--epochs", "100", "--out", str(out), "--device", "cpu",
                             "--no-progress"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(delay)       # (100 epochs: the run is still going however fast the machine)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130 and err.strip().splitlines()[-1].startswith("error: interrupted"), (proc.returncode, err)
    assert "Traceback" not in err, err
    assert not (out / "model.pt").exists()


@pytest.mark.parametrize("method", ["supervised", "self-training", "co-training", "co-teaching", "pi"])
def test_one_shift_rule_for_every_method_that_augments(tmp_path, method):
    """Issue 17 item 6: --shift 100 trained co-training and co-teaching on blank images; it is one
    `error:` line for every method, before anything is trained."""
    proc = cli("train", "--method", method, "--shift", "100", "--epochs", "1", "--out", str(tmp_path / "run"),
               "--device", "cpu", "--no-progress")
    assert proc.returncode == 2 and "Epoch" not in proc.stdout, proc.stdout + proc.stderr
    assert proc.stderr.strip() == "error: shift is a whole number of pixels from 0 to 8, got 100"


@pytest.mark.parametrize("seed", ["-1", "4294967296", "18446744073709551616", "1.5"])
def test_one_seed_rule_on_the_command_line(tmp_path, seed):
    """Issue 17 item 7: seeds repeated every 2**32 and seeds >= 2**64 gave tracebacks."""
    for command in (["train", "--method", "supervised", "--epochs", "1", "--out", str(tmp_path / "run")],
                    ["sample", "--model", "vae", "--n", "2", "--out", str(tmp_path / "x.png")]):
        proc = cli(*command, "--seed", seed)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
        assert len(proc.stderr.strip().splitlines()) <= 2 and "--seed" in proc.stderr, proc.stderr
        assert not (tmp_path / "run" / "model.pt").exists() and not (tmp_path / "x.png").exists()


def test_a_checkpoint_with_nan_weights_is_refused_and_generators_are_pointed_to_sample(trained, tmp_path):
    """Issue 17 items 9 and 10."""
    import torch

    import vaessl_lib

    _, out = trained
    payload = torch.load(out / "model.pt", weights_only=True)
    name = next(k for k, v in payload["state_dict"].items() if v.is_floating_point())
    payload["state_dict"][name] = torch.full_like(payload["state_dict"][name], float("nan"))
    torch.save(payload, tmp_path / "nan.pt")
    proc = cli("evaluate", "--checkpoint", str(tmp_path / "nan.pt"), "--dataset", "mnist-5k")
    assert proc.returncode == 2 and "NaN or infinite weights" in proc.stderr and "Traceback" not in proc.stderr
    weights = __import__("pathlib").Path(vaessl_lib.__file__).parent / "weights"
    for kind in ("ddpm", "cvae", "vae", "vae2d"):
        proc = cli("evaluate", "--checkpoint", str(weights / f"{kind}.pt"), "--dataset", "mnist-5k")
        assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
        assert f"sample --model {kind} --checkpoint" in proc.stderr, proc.stderr
