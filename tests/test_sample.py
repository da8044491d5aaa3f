"""The shipped checkpoints (vaessl_lib.pretrained) and ``python -m vaessl_lib sample`` (vaessl_lib.sample)."""

import tomllib
from pathlib import Path

import numpy as np
import pytest
import torch

from vaessl_lib.cli import main
from vaessl_lib.errors import VaesslError
from vaessl_lib.models import M2, SupervisedClassifier
from vaessl_lib.models.ddpm import DDPM
from vaessl_lib.models.m1m2 import M1M2
from vaessl_lib.models.vae import CVAE, VAE
from vaessl_lib.pretrained import PRETRAINED, WEIGHTS_DIR, load_pretrained

ROOT = Path(__file__).resolve().parents[1]
KINDS = {"vae": VAE, "vae2d": VAE, "cvae": CVAE, "m2": M2, "m1m2": M1M2, "ddpm": DDPM, "classifier": SupervisedClassifier}


def in_unit_range(x):
    return bool(torch.isfinite(x).all()) and float(x.min()) >= 0 and float(x.max()) <= 1


@pytest.mark.parametrize("name", list(PRETRAINED))
def test_every_shipped_checkpoint_loads_and_makes_images(name):
    model = load_pretrained(name)
    assert type(model) is KINDS[name] and not model.training
    # the paper's M1 (600-600 softplus) alone is 1.7M parameters: 3.5 MB in half precision
    assert (WEIGHTS_DIR / f"{name}.pt").stat().st_size < (5e6 if name == "m1m2" else 4e6)
    extra = model.checkpoint["extra"]
    assert extra["command"].startswith("python scripts/make_checkpoints.py") and extra["dataset"] == "mnist"
    assert extra["train_images"] == 50_000 and extra["seed"] == PRETRAINED[name]["seed"]
    assert extra["epochs"] == PRETRAINED[name]["epochs"] == len(model.checkpoint["history"])
    g = torch.Generator().manual_seed(0)
    if name in ("vae", "vae2d"):
        images = model.sample(3, generator=g)
    elif name in ("cvae", "m2", "m1m2"):
        images = model.generate(torch.tensor([0, 4, 9]))
    elif name == "ddpm":
        images = model.sample(2, labels=[3, 8], guidance=1.0, generator=g)
    else:
        images = load_pretrained("vae").sample(3, generator=g)
        assert model.predict_proba(images).shape == (3, 10)
    assert images.shape[1:] == (1, 28, 28) and in_unit_range(images)


def test_conditional_vaes_draw_the_asked_for_digit():
    clf = load_pretrained("classifier")
    y = torch.arange(10).repeat_interleave(5)
    for name, least in (("cvae", 0.5), ("m2", 0.5), ("m1m2", 0.5)):  # measured 0.8-0.93; untrained: 0.1
        images = load_pretrained(name).generate(y, torch.randn(50, PRETRAINED[name]["config"].get("latent", 50),
                                                               generator=torch.Generator().manual_seed(1)))
        assert (clf.predict(images) == y).float().mean() >= least, name


def test_unknown_pretrained_name_lists_the_valid_ones():
    with pytest.raises(VaesslError, match="choose one of vae, vae2d, cvae, m2, m1m2, ddpm, classifier"):
        load_pretrained("gan")


def test_weights_are_package_data():
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "weights/*" in cfg["tool"]["setuptools"]["package-data"]["vaessl_lib"]


@pytest.mark.parametrize("suffix", [".png", ".pt", ".npy"])
def test_sample_writes_what_it_says(tmp_path, capsys, suffix):
    out = tmp_path / "sub" / f"s{suffix}"
    assert main(["sample", "--model", "vae", "--n", "4", "--out", str(out), "--seed", "3"]) == 0
    assert f"wrote {out}: 4 images (1, 28, 28) from vae" in capsys.readouterr().out
    if suffix == ".png":
        assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        from PIL import Image
        assert Image.open(out).size == (4 * 30 + 2, 30 + 2)
        return
    x = torch.load(out) if suffix == ".pt" else torch.from_numpy(np.load(out))
    assert x.shape == (4, 1, 28, 28) and x.dtype == torch.float32 and in_unit_range(x)
    again = tmp_path / f"again{suffix}"
    main(["sample", "--model", "vae", "--n", "4", "--out", str(again), "--seed", "3"])
    y = torch.load(again) if suffix == ".pt" else torch.from_numpy(np.load(again))
    assert torch.equal(x, y)                                      # the seed fixes the samples


def test_sample_with_a_label_gives_that_digit(tmp_path):
    out = tmp_path / "fours.npy"
    assert main(["sample", "--model", "cvae", "--label", "4", "--n", "20", "--out", str(out)]) == 0
    x = torch.from_numpy(np.load(out))
    assert (load_pretrained("classifier").predict(x) == 4).float().mean() >= 0.6
    out = tmp_path / "ddpm.pt"
    assert main(["sample", "--model", "ddpm", "--label", "7", "--n", "2", "--guidance", "2", "--out", str(out)]) == 0
    x = torch.load(out)
    assert x.shape == (2, 1, 28, 28) and in_unit_range(x)


def test_sample_from_an_own_checkpoint(tmp_path):
    from vaessl_lib.checkpoints import save_checkpoint
    from vaessl_lib.models.vae import VAEConfig

    torch.manual_seed(0)
    path = save_checkpoint(tmp_path / "mine.pt", VAE(VAEConfig(latent=3, hidden=16)), "vae")
    assert main(["sample", "--model", "vae", "--n", "2", "--out", str(tmp_path / "a.pt"),
                 "--checkpoint", str(path)]) == 0
    assert torch.load(tmp_path / "a.pt").shape == (2, 1, 28, 28)


@pytest.mark.parametrize("args, message", [
    (["--model", "cvae", "--label", "10"], "0..9"),
    (["--model", "cvae", "--label", "-1"], "0..9"),
    (["--model", "vae", "--n", "0"], "--n"),
    (["--model", "vae", "--out", "x.jpg"], ".png, .pt, .npy"),
    (["--model", "vae", "--label", "3"], "unconditional"),
    (["--model", "vae", "--checkpoint", "no/such/model.pt"], "does not exist"),
    (["--model", "ddpm", "--checkpoint", str(WEIGHTS_DIR / "vae.pt")], "not a DDPM"),
    (["--model", "cvae", "--guidance", "1"], "ddpm only"),
    (["--model", "ddpm", "--guidance", "nan"], "finite number"),
    (["--model", "ddpm", "--guidance", "inf"], "finite number"),
    (["--model", "vae", "--out", "FOLDER.png"], "is a folder"),
    (["--model", "vae", "--out", "/proc/vaessl/x.png"], "cannot be created or written"),
])
def test_bad_sample_input_is_one_error_line_and_status_2(tmp_path, capsys, args, message):
    if "--out" not in args:
        args = [*args, "--out", str(tmp_path / "o.png")]
    if "FOLDER.png" in args:                   # an existing folder whose name looks like an image file
        (tmp_path / "FOLDER.png").mkdir()
        args = [str(tmp_path / a) if a == "FOLDER.png" else a for a in args]
    assert main(["sample", *args]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], captured.err
    assert captured.out == "" and not (tmp_path / "o.png").exists()


def test_help_lists_the_sample_command(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "sample" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["sample", "--help"])
    text = capsys.readouterr().out
    for opt in ("--model", "--label", "--n", "--out", "--checkpoint", "--seed", "--guidance", "ddpm"):
        assert opt in text


def test_sample_n_is_bounded_and_large_draws_come_in_chunks(tmp_path):
    """Issue 17 item 14: --n had no upper bound and the DDPM drew everything at once."""
    from test_cli import cli

    from vaessl_lib import load_pretrained
    from vaessl_lib.sample import CHUNK, MAX_IMAGES, generate

    proc = cli("sample", "--model", "vae", "--n", str(MAX_IMAGES + 1), "--out", str(tmp_path / "x.npy"))
    assert proc.returncode == 2 and "more than 100,000 images" in proc.stderr and "Traceback" not in proc.stderr
    proc = cli("sample", "--model", "vae", "--n", "20000", "--out", str(tmp_path / "x.png"))
    assert proc.returncode == 2 and "write .pt or .npy instead" in proc.stderr
    assert not list(tmp_path.iterdir())
    cvae = load_pretrained("cvae")
    images = generate(cvae, "cvae", CHUNK * 2 + 5, seed=0)
    assert images.shape == (CHUNK * 2 + 5, 1, 28, 28) and float(images.min()) >= 0 and float(images.max()) <= 1
    assert torch.equal(generate(cvae, "cvae", 7, seed=0), generate(cvae, "cvae", 7, seed=0))
