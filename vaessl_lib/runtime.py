"""Devices, seeds and progress bars: what every experiment sets up first."""

from __future__ import annotations

import random

import numpy as np
import torch

from .errors import VaesslError

DEVICES = ("auto", "cpu", "cuda", "mps")


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """Turn ``"auto"`` into the best available device (cuda, then mps, then cpu)."""
    if isinstance(device, torch.device):
        return device
    if device not in DEVICES and not str(device).startswith("cuda:"):
        raise VaesslError(f"unknown device {device!r}; use one of {', '.join(DEVICES)}")
    if device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if str(device).startswith("cuda") and not torch.cuda.is_available():
        raise VaesslError(f"device {device!r} was asked for but CUDA is not available; use --device cpu or auto")
    if device == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise VaesslError("device 'mps' was asked for but is not available; use --device cpu or auto")
    return torch.device(device)


MAX_SEED = 2**32 - 1     # NumPy seeds with 32 bits: a larger seed would repeat a smaller one's run


_FREED_MEMORY_KEPT = False


def keep_freed_memory() -> bool:
    """On Linux with glibc, keep freed memory in the process for reuse instead of returning it to the OS.

    A training step on a CPU allocates and frees the same large temporaries every step (an M2 step:
    1280 x 784 floats, 4 MB, several times over).  By default glibc hands blocks that large back to the
    OS when they are freed and takes fresh zeroed pages on the next step: 1,300 to 2,400 page faults per
    M2 step on one core of the build machine, against 10 to 150 with this setting (2 to 3 ms of a 65 ms
    step, measured through noise of about as much).  Raising glibc's mmap and trim thresholds to 1 GiB
    (``mallopt``, what ``MALLOC_MMAP_THRESHOLD_`` and ``MALLOC_TRIM_THRESHOLD_`` set) lets the next step
    reuse them: the process keeps its peak working set, which the next step needs again anyway.
    Called by the training loop when it trains on a CPU; elsewhere (macOS, Windows, musl) it does nothing.
    Returns whether the setting is in effect.
    """
    global _FREED_MEMORY_KEPT
    if _FREED_MEMORY_KEPT:
        return True
    import ctypes
    import ctypes.util
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):          # not glibc
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3  # glibc's <malloc.h>
    _FREED_MEMORY_KEPT = bool(mallopt(m_mmap_threshold, 1 << 30)) and bool(mallopt(m_trim_threshold, 1 << 30))
    return _FREED_MEMORY_KEPT


def check_seed(seed: object, name: str = "seed") -> int:
    """The one seed rule (train, sample, splits, the API): a whole number from 0 to :data:`MAX_SEED`,
    a Python int or a NumPy integer (not a bool or a float); returned as a Python int."""
    import numbers

    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= int(seed) <= MAX_SEED:
        raise VaesslError(f"{name} must be a whole number from 0 to {MAX_SEED} (2**32 - 1; larger seeds would "
                          f"repeat smaller ones), got {seed!r}")
    return int(seed)


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and torch; return a CPU generator for batch order.

    With the same seed, training on the CPU reproduces the same history
    (the test suite checks this).
    """
    seed = check_seed(seed)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    gen = torch.Generator()
    gen.manual_seed(seed)
    return gen


def progress_bar(total: int, desc: str, enabled: bool = True, **kwargs):
    """The progress bar of every training loop (a widget in notebooks, text in a terminal).

    It redraws at most once a second: enough to watch training, and few enough
    messages that a notebook runner (nbval, the book build) keeps up with the
    kernel's output channel even in cells that train for minutes.
    """
    from tqdm.auto import tqdm

    kwargs.setdefault("unit", "step")
    return tqdm(total=total, desc=desc, disable=not enabled or total == 0, mininterval=1.0, **kwargs)
