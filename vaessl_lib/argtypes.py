"""The command line's number parsers: one rule per kind of number, one line when it is broken.

``argparse`` calls these on the text of a flag (``type=``); an ``ArgumentTypeError`` becomes
``error: argument --flag: <message>`` with exit status 2, never a traceback.  Used by
:mod:`vaessl_lib.cli` and :mod:`vaessl_lib.sample`.
"""

from __future__ import annotations

import argparse

from .errors import VaesslError


def whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def real_number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


def non_negative_int(text: str) -> int:
    value = whole_number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def positive_int(text: str) -> int:
    value = non_negative_int(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def positive_float(text: str) -> float:
    value = real_number(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def seed(text: str) -> int:
    """--seed: the library's one seed rule (vaessl_lib.runtime.check_seed)."""
    from .runtime import check_seed

    try:
        return check_seed(whole_number(text))
    except VaesslError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("seed ")) from None
