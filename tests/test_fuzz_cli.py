"""Random argument combinations for train, evaluate and sample (issue 17, "done means").

Each drawn command must either succeed with its documented output (exit 0, the summary lines, the files
it promises) or be refused with exit status 2 and exactly one line on stderr, with no traceback and no
partial output. The draws come from a fixed seed, so a failure is reproducible; the command is in the
assertion message.
"""

from __future__ import annotations

import random
import re

import pytest

from test_cli import cli

N_CASES = 30

# flag: (good values, bad values); a good draw uses only good values, a bad draw one bad value among good ones
TRAIN = {
    "--labels": (["100", "50"], ["7", "0", "-10", "ten"]),
    "--epochs": (["0", "1"], ["-1", "1.5"]),
    "--seed": (["0", "3", "4294967295"], ["-1", "4294967296", "x"]),
    "--lr": (["1e-3", "3e-3"], ["0", "-1", "1e39", "nan"]),
    "--label-noise": (["0.2"], ["1.5", "-0.1"]),
    "--unlabeled": (["200", "300"], ["0", "999999"]),
    "--val-size": (["0", "100"], ["99999"]),
}
BY_METHOD = {   # the flags each method takes, besides the common ones above
    "supervised": {"--shift": (["0", "2"], ["9", "100"]), "--dropout": (["0.1"], ["1.0", "-0.5"]),
                   "--classifier": (["mlp", "cnn", "linear"], ["resnet"])},
    "self-training": {"--threshold": (["0.9"], ["1.5", "0"]), "--shift": (["2"], ["100"])},
    "co-teaching": {"--shift": (["1"], ["100"])},
    "pi": {"--shift": (["2"], ["9"]), "--dropout": (["0.3"], ["2"])},
    "m2": {"--classifier": (["mlp", "linear"], ["resnet"])},
    "ladder": {},
    "notes": {},
}
SAMPLE = {
    "--label": (["0", "4"], ["10", "-1"]),
    "--n": (["1", "3"], ["0", "-5", "200000"]),
    "--seed": (["0", "7"], ["-1", "4294967296"]),
}


def _pick(rng: random.Random, flags: dict, bad: str | None) -> list[str]:
    args = []
    for flag, (good, wrong) in flags.items():
        if flag == bad:
            args += [flag, rng.choice(wrong)]
        elif rng.random() < 0.4:
            args += [flag, rng.choice(good)]
    return args


def _draw(rng: random.Random, command: str, tmp, faulty: bool) -> tuple[list[str], str]:
    if command == "train":
        method = rng.choice(list(BY_METHOD))
        flags = {**TRAIN, **BY_METHOD[method]}
        bad = rng.choice(list(flags)) if faulty else None
        args = ["train", "--method", method, *_pick(rng, flags, bad)]
        if "--epochs" not in args:
            args += ["--epochs", "1"]
        if "--unlabeled" not in args:
            args += ["--unlabeled", "200"]        # keep a successful run short
        out = str(tmp / "run")
        return args + ["--out", out, "--device", "cpu", "--no-progress"], out
    model = rng.choice(["vae", "vae2d", "cvae", "m2", "ddpm"])
    flags = dict(SAMPLE)
    if model in ("vae", "vae2d"):
        flags.pop("--label")
    if model == "ddpm":
        flags["--guidance"] = (["0", "2"], ["-1", "nan", "inf"])
        flags["--n"] = (["1", "2"], ["0", "200000"])          # a DDPM image takes a second on a CPU
    bad = rng.choice(list(flags) + ["--out"]) if faulty else None
    name = rng.choice(["x.gif", "x.txt"]) if bad == "--out" else rng.choice(["x.png", "x.npy", "x.pt"])
    out = str(tmp / name)
    return ["sample", "--model", model, *_pick(rng, flags, bad), "--out", out, "--device", "cpu"], out


@pytest.mark.parametrize("case", range(N_CASES))
def test_random_commands_succeed_as_documented_or_fail_in_one_line(tmp_path, case):
    """Even cases draw only valid arguments (they must succeed), odd cases one invalid argument (they must
    be refused in one line, before any output is written)."""
    rng = random.Random(1000 + case)
    faulty = case % 2 == 1
    command = rng.choice(["train", "train", "sample", "evaluate"])
    if command == "evaluate":
        from pathlib import Path

        weights = Path(__file__).resolve().parents[1] / "vaessl_lib" / "weights"
        good = [weights / "m2.pt", weights / "classifier.pt"]
        bad = [weights / "ddpm.pt", weights / "vae.pt", tmp_path / "none.pt", Path(__file__)]
        checkpoint = str(rng.choice(bad if faulty else good))
        args, out = ["evaluate", "--checkpoint", checkpoint, "--dataset", "mnist-5k", "--device", "cpu"], None
    else:
        args, out = _draw(rng, command, tmp_path, faulty)
    proc = cli(*args)
    shown = f"python -m vaessl_lib {' '.join(args)}\nstdout: {proc.stdout[-500:]}\nstderr: {proc.stderr[-800:]}"
    assert "Traceback" not in proc.stderr, shown
    assert proc.returncode == (2 if faulty else 0), shown
    if faulty:
        assert len(proc.stderr.strip().splitlines()) == 1 and proc.stderr.startswith("error: "), shown
        if command == "train":
            assert not (tmp_path / "run" / "model.pt").exists(), shown
        elif command == "sample":
            assert not list(tmp_path.glob("x.*")), shown
        return
    lines = proc.stdout.strip().splitlines()
    if command == "train":
        assert re.fullmatch(r"val_accuracy=(0\.\d{4}|1\.0000|nan)", lines[-2]), shown
        assert re.fullmatch(r"test_accuracy=(0\.\d{4}|1\.0000)", lines[-1]), shown
        assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["history.csv", "model.pt"], shown
    elif command == "sample":
        assert lines[-1].startswith(f"wrote {out}: ") and (tmp_path / out.split("/")[-1]).stat().st_size > 0, shown
    else:
        assert re.fullmatch(r"test_accuracy=(0\.\d{4}|1\.0000)", lines[-1]), shown
