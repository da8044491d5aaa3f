"""Where a run writes, checked before any work starts, and written so that no run is lost.

``train --out DIR`` (:func:`vaessl_lib.methods.train_method` with ``out=``) and ``sample --out FILE``
call the checks first, so a path that cannot be written is one clear line before training or sampling,
not a traceback after it; and a folder that already holds a run (``model.pt``, ``history.csv`` or
``resume.pt``) is refused unless ``overwrite`` (which first removes the old run's files, so that an
interrupted new run never sits beside them) or ``resume`` is asked for.

Every file is replaced atomically (:func:`replace_atomically`): an interrupt leaves the old file or
the new one, never half of one and no ``.part`` file. A run with ``out`` writes ``history.csv`` and
``resume.pt`` (the whole training state: :meth:`vaessl_lib.train.Trainer.state_dict`) at the end of
every epoch (:class:`RunCheckpoint`); ``resume=True`` (``train --resume``) continues from the last
complete epoch and ends with the history an uninterrupted run gives. ``model.pt`` is written at the
end, and ``resume.pt`` then removed.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable

from .errors import VaesslError

RESUME_FILE = "resume.pt"
RUN_FILES = ("model.pt", "history.csv", RESUME_FILE)


def replace_atomically(path: str | Path, write: Callable[[Path], object]) -> Path:
    """Write ``path`` through ``write(tmp)`` into a temporary file beside it, then rename it over ``path``
    (``os.replace`` is atomic): readers and interrupted runs see the old file or the new one, never a
    half-written one; if writing fails or is interrupted, the temporary file is removed."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.part")
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _writable_dir(folder: Path, what: str) -> None:
    """Create ``folder`` if needed and prove it writable by creating (and removing) a file in it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".vaessl-write-check-")
        os.close(fd)
        os.unlink(probe)
    except FileExistsError:
        raise VaesslError(f"cannot write {what}: {folder} is a file, not a folder; choose another path") from None
    except OSError as exc:
        raise VaesslError(f"cannot write {what}: {folder} cannot be created or written to "
                          f"({exc.strerror or exc}); choose a folder you can write") from None


def check_run_dir(out: str | Path, overwrite: bool = False, resume: bool = False) -> Path:
    """The run folder ``out``, created and writable, and not already holding a run unless ``overwrite``
    (the old run's files are removed) or ``resume`` (it must hold an interrupted run's ``resume.pt``)."""
    out = Path(out)
    if overwrite and resume:
        raise VaesslError("pass --resume (continue the run in --out) or --overwrite (replace it), not both")
    if out.exists() and not out.is_dir():
        raise VaesslError(f"--out {out} is a file; give a folder for history.csv and model.pt")
    held = [name for name in RUN_FILES if (out / name).exists()]
    if resume:
        if RESUME_FILE not in held:
            what = ("holds a finished run (model.pt) with nothing left to resume" if "model.pt" in held
                    else f"holds no interrupted run (no {RESUME_FILE})")
            raise VaesslError(f"--out {out} {what}; start a new run without --resume")
    elif held and not overwrite:
        hint = " or --resume to continue it" if RESUME_FILE in held else ""
        raise VaesslError(f"--out {out} already holds a run ({', '.join(held)}); choose another folder, "
                          f"or pass --overwrite (overwrite=True) to replace it{hint}")
    _writable_dir(out, f"the run to {out}")
    if overwrite:
        for name in held:
            (out / name).unlink()
    for name in RUN_FILES:           # what a killed run (SIGKILL, a crash: no clean-up) was half-way through
        out.joinpath(f".{name}.part").unlink(missing_ok=True)
    return out


def check_output_file(out: str | Path) -> Path:
    """An output file's folder, created and writable; ``out`` itself must not be a folder
    (an existing file is replaced: samples are cheap to draw again)."""
    out = Path(out)
    if out.is_dir():
        raise VaesslError(f"--out {out} is a folder; give a file name such as {out / 'samples.png'}")
    _writable_dir(out.parent if str(out.parent) else Path("."), str(out))
    return out


def epochs_done(out: str | Path) -> int:
    """How many epochs the run in ``out`` has finished, read from its history.csv (0 if none)."""
    try:
        with open(Path(out) / "history.csv") as fh:
            return max(0, sum(1 for line in fh if line.strip()) - 1)
    except OSError:
        return 0


class RunCheckpoint:
    """A training-loop callback (the two hooks of :class:`vaessl_lib.train.Callback`; not a subclass, so
    that this module imports no model code), added last by ``train_method(out=...)``: after every epoch,
    ``resume.pt`` (the trainer's state and the run's ``identity``) and ``history.csv``, each atomically."""

    def __init__(self, out: str | Path, identity: dict) -> None:
        self.out, self.identity = Path(out), identity

    def on_epoch_start(self, trainer, epoch: int) -> None:
        pass

    def on_epoch_end(self, trainer, epoch: int, record: dict) -> None:
        import torch

        state = {"identity": self.identity, "trainer": trainer.state_dict()}
        replace_atomically(self.out / RESUME_FILE, lambda tmp: torch.save(state, tmp))
        replace_atomically(self.out / "history.csv", trainer.history.to_csv)


def read_resume(out: str | Path, identity: dict) -> dict:
    """The trainer state saved in ``out/resume.pt``, after checking it belongs to the run asked for now
    (same method, settings, model and split: ``identity``); otherwise one line saying what differs."""
    import torch

    path = Path(out) / RESUME_FILE
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
        saved_identity, state = saved["identity"], saved["trainer"]
    except Exception as exc:        # unreadable: cut short by a crash of the machine, or not ours
        raise VaesslError(f"{path} cannot be read ({type(exc).__name__}); start the run again with "
                          f"--overwrite") from None
    differ = [f"{group}.{key}" if key else group
              for group in sorted(set(identity) | set(saved_identity))
              for key in _differing(identity.get(group), saved_identity.get(group))]
    if differ:
        raise VaesslError(f"the interrupted run in {out} was started with other settings ({', '.join(differ)}); "
                          f"resume it with the arguments it was started with, or start anew with --overwrite")
    return state


def _differing(a, b) -> list[str]:
    """Keys whose values differ between two dicts ([""] if they are not both dicts and differ)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [k for k in sorted(set(a) | set(b), key=str) if _plain(a.get(k)) != _plain(b.get(k))]
    return [] if _plain(a) == _plain(b) else [""]


def _plain(value):
    """Tuples and lists compare equal (a saved tuple may come back as either)."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value
