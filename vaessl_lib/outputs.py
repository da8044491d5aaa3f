"""Where a run writes, checked before any work starts: no run is lost to a bad path or overwritten.

``train --out DIR`` (:func:`vaessl_lib.methods.train_method` with ``out=``) and ``sample --out FILE``
call these first, so a path that cannot be written is one clear line before training or sampling,
not a traceback after it; and a folder that already holds a run (``model.pt`` or ``history.csv``)
is refused unless ``overwrite`` is asked for.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import VaesslError

RUN_FILES = ("model.pt", "history.csv")


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


def check_run_dir(out: str | Path, overwrite: bool = False) -> Path:
    """The run folder ``out``, created and writable, and not already holding a run unless ``overwrite``."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise VaesslError(f"--out {out} is a file; give a folder for history.csv and model.pt")
    held = [name for name in RUN_FILES if (out / name).exists()]
    if held and not overwrite:
        raise VaesslError(f"--out {out} already holds a run ({', '.join(held)}); choose another folder, "
                          f"or pass --overwrite (overwrite=True) to replace it")
    _writable_dir(out, f"the run to {out}")
    return out


def check_output_file(out: str | Path) -> Path:
    """An output file's folder, created and writable; ``out`` itself must not be a folder
    (an existing file is replaced: samples are cheap to draw again)."""
    out = Path(out)
    if out.is_dir():
        raise VaesslError(f"--out {out} is a folder; give a file name such as {out / 'samples.png'}")
    _writable_dir(out.parent if str(out.parent) else Path("."), str(out))
    return out
