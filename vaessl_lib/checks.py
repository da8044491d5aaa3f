"""Settings checked where they are made: one rule per kind of value, one clear line when it is broken.

Every config (:class:`~vaessl_lib.train.TrainConfig`, :class:`~vaessl_lib.models.classifiers.ClassifierSpec`,
:class:`~vaessl_lib.models.m2.M2Config`) checks its fields with these when it is built, which is also when a
checkpoint's config is read back: so a bad setting never starts a run, and a checkpoint of a few kilobytes
cannot make the loader build a network of a size of its choosing before it is rejected.
"""

from __future__ import annotations

import math
import numbers

from .errors import VaesslError

MAX_WIDTH = 8192        # units in one hidden layer: 8192 x 8192 weights are 268 MB already
MAX_LAYERS = 16         # hidden layers of one network


def whole(value: object, name: str, low: int = 0, high: int | None = None) -> int:
    """A whole number (a Python or NumPy integer, not a bool or a float) from ``low`` to ``high``."""
    ok = not isinstance(value, bool) and isinstance(value, numbers.Integral) and int(value) >= low \
        and (high is None or int(value) <= high)
    if not ok:
        upper = f" to {high}" if high is not None else " or more"
        raise VaesslError(f"{name} must be a whole number from {low}{upper}, got {value!r}")
    return int(value)


def training_fractions(config: object, *names: str) -> None:
    """Each named field of ``config`` is a fraction of training in [0, 1] (warm-up lengths and the like)."""
    for name in names:
        value = getattr(config, name)
        if not 0.0 <= value <= 1.0:
            raise VaesslError(f"{name} is a fraction of training in [0, 1], got {value}")


def number(value: object, name: str, low: float, high: float, low_open: bool = False,
           high_open: bool = False) -> float:
    """A finite real number in the interval from ``low`` to ``high`` (open ends as asked)."""
    ok = not isinstance(value, bool) and isinstance(value, numbers.Real) and math.isfinite(float(value))
    if ok:
        v = float(value)
        ok = (v > low if low_open else v >= low) and (v < high if high_open else v <= high)
    if not ok:
        interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        raise VaesslError(f"{name} must be a finite number in {interval}, got {value!r}")
    return float(value)
