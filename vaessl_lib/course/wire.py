"""What crosses between the grader and a submission's kernel: values in a format that cannot run code.

The grader (:mod:`vaessl_lib.course.judge`) never unpickles anything a submission wrote.  A message is a
length-prefixed ``torch.save`` blob read back with ``torch.load(weights_only=True)``, torch's loader for
untrusted files: it rebuilds tensors, numbers, strings, ``None`` and lists, tuples and dicts of them, and
refuses everything else.  :func:`encode` maps the few other values an answer may be (NumPy arrays and
scalars, ``torch.Generator``, dtypes) onto those; anything else arrives as an :class:`Unreadable` that
makes the test using it fail with a sentence saying what the answer returned.
"""

from __future__ import annotations

import io
import os
import select
import struct
import time
from typing import Any

import torch

TAG = "__vaessl_wire__"
MAX_MESSAGE = 256 * 2**20   # a message over 256 MiB is refused (a submission cannot exhaust the grader's memory)
_HEADER = struct.Struct("!Q")


class WireError(Exception):
    """The other side sent something unreadable, too large, or nothing in time."""


class Refusal:
    """Stands for an answer a test cannot use: any use fails the test with :meth:`reason`."""

    def reason(self) -> str:
        raise NotImplementedError

    def _fail(self, *args, **kwargs):
        raise AssertionError(self.reason())

    __getattr__ = __call__ = __iter__ = __len__ = __getitem__ = __bool__ = __float__ = __int__ = _fail
    __eq__ = __lt__ = __le__ = __gt__ = __ge__ = __add__ = __sub__ = __mul__ = __truediv__ = _fail
    __hash__ = object.__hash__


class Unreadable(Refusal):
    """A value the grader cannot read (a model, a custom object)."""

    def __init__(self, kind: str, text: str):
        self.__dict__.update(kind=kind, text=text)

    def reason(self) -> str:
        return (f"the answer is a {self.kind} ({self.text}), which the grader cannot read: "
                f"return a tensor, a number, a string, or a list, tuple or dict of these")

    def __repr__(self) -> str:
        return f"<unreadable {self.kind}: {self.text}>"


def encode(value: Any, depth: int = 0) -> Any:
    """``value`` as tensors, numbers, strings, None, and lists/tuples/dicts of them."""
    if depth > 50:
        return {TAG: "unreadable", "kind": "structure nested too deep", "text": "over 50 levels"}
    if value is Ellipsis:   # a stub left as it was
        return {TAG: "ellipsis"}
    if value is None or isinstance(value, (bool, int, float, str, bytes)):
        return type(value)(value) if type(value) in (bool, int, float, str, bytes) else _numberlike(value)
    if isinstance(value, torch.Tensor):
        t = value.detach()
        t = t.to("cpu") if t.device.type != "cpu" else t
        return {TAG: "tensor", "data": t.clone() if t.is_contiguous() else t.contiguous(),
                "requires_grad": bool(value.requires_grad)}
    if isinstance(value, torch.Generator):
        return {TAG: "generator", "state": value.get_state()}
    if isinstance(value, (torch.dtype, torch.device)):
        return {TAG: type(value).__name__, "name": str(value)}
    if isinstance(value, (list, tuple)):
        items = [encode(v, depth + 1) for v in value]
        return tuple(items) if isinstance(value, tuple) else items
    if isinstance(value, dict):
        return {TAG: "dict", "items": [(encode(k, depth + 1), encode(v, depth + 1)) for k, v in value.items()]}
    numpy = _numpy(value)
    if numpy is not None:
        return numpy
    return {TAG: "unreadable", "kind": type(value).__name__, "text": _short_repr(value)}


def _numberlike(value: Any) -> Any:
    """Subclasses of int/float/str (e.g. NumPy's float64) travel as NumPy scalars or their base type."""
    numpy = _numpy(value)
    if numpy is not None:
        return numpy
    for base in (bool, int, float, str, bytes):
        if isinstance(value, base):
            return base(value)
    return None


def _numpy(value: Any) -> Any:
    try:
        import numpy as np
    except ImportError:
        return None
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            return {TAG: "unreadable", "kind": "NumPy object array", "text": _short_repr(value)}
        return {TAG: "ndarray", "data": torch.from_numpy(np.ascontiguousarray(value).copy())}
    if isinstance(value, np.generic):
        return {TAG: "npscalar", "dtype": str(value.dtype), "value": value.item()}
    return None


def _short_repr(value: Any) -> str:
    try:
        return repr(value)[:120]
    except Exception:   # a repr that raises: name the type only
        return type(value).__name__


def decode(value: Any) -> Any:
    """The inverse of :func:`encode` (unreadable values become :class:`Unreadable`)."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, tuple):
        return tuple(decode(v) for v in value)
    if not isinstance(value, dict):
        return value
    kind = value.get(TAG)
    if kind == "tensor":
        t = value["data"]
        return t.requires_grad_() if value.get("requires_grad") and t.is_floating_point() else t
    if kind == "dict":
        out = {}
        for k, v in value["items"]:
            key = decode(k)
            try:
                out[key] = decode(v)
            except TypeError:   # an unhashable key
                return Unreadable("dict", "with a key that is not a number, string or tuple")
        return out
    if kind == "generator":
        g = torch.Generator()
        g.set_state(value["state"])
        return g
    if kind == "dtype":
        return getattr(torch, str(value["name"]).replace("torch.", ""), None)
    if kind == "device":
        return torch.device(str(value["name"]))
    if kind == "ndarray":
        return value["data"].numpy()
    if kind == "npscalar":
        import numpy as np

        return np.dtype(value["dtype"]).type(value["value"])
    if kind == "ellipsis":
        return Ellipsis
    if kind == "unreadable":
        return Unreadable(str(value.get("kind")), str(value.get("text")))
    return {k: decode(v) for k, v in value.items()}


def leaves(value: Any, kinds: tuple[type, ...] = (torch.Tensor,), depth: int = 0) -> list:
    """The objects of ``kinds`` in a (nested) value, in one fixed order (both sides flatten alike)."""
    if depth > 50:
        return []
    if isinstance(value, kinds):
        return [value]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in leaves(v, kinds, depth + 1)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in leaves(v, kinds, depth + 1)]
    return []


# ------------------------------------------------------------------------------------------------ messages
def dumps(message: Any) -> bytes:
    buf = io.BytesIO()
    torch.save(message, buf)
    return buf.getvalue()


def loads(blob: bytes) -> Any:
    try:
        return torch.load(io.BytesIO(blob), weights_only=True)
    except Exception as exc:   # anything but plain data: refused by the loader, never run
        raise WireError(f"an unreadable message ({type(exc).__name__})") from None


def send(fd: int, message: Any) -> None:
    blob = dumps(message)
    data = _HEADER.pack(len(blob)) + blob
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _read_exactly(fd: int, n: int, deadline: float | None) -> bytes:
    chunks, got = [], 0
    while got < n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError
        chunk = os.read(fd, min(n - got, 1 << 20))
        if not chunk:
            raise WireError("the other side closed the connection")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def receive(fd: int, deadline: float | None = None) -> Any:
    """One message from ``fd``; ``TimeoutError`` after ``deadline`` (``time.monotonic()``)."""
    (size,) = _HEADER.unpack(_read_exactly(fd, _HEADER.size, deadline))
    if size > MAX_MESSAGE:
        raise WireError(f"a message of {size / 2**20:.0f} MiB (the limit is {MAX_MESSAGE / 2**20:.0f} MiB)")
    return loads(_read_exactly(fd, size, deadline))
