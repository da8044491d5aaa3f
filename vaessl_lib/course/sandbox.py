"""The walls around a submitted notebook while it runs: what it may read, write, signal and reach.

:mod:`vaessl_lib.course.submission_kernel` calls :func:`confine` on itself before it runs the first line a
student wrote.  What it sets, each where the machine allows it:

* **Landlock** (Linux 5.13 or later; no privileges needed): the kernel refuses every file access outside
  an allow-list: reading Python, its packages, ``vaessl_lib`` and the datasets, and writing only the
  submission's own fresh folder.  The masters, the hidden tests, the other submissions, the grader's
  files and the rest of the home folder cannot be read or changed.  The same ruleset forbids debugging
  (ptrace) processes outside it, signals to them (kernel ABI 6 or later) and TCP connections (ABI 4).
* **Another user** when the grader runs as root (CI, containers, Colab): the kernel runs as an unprivileged
  uid of its own (one per parallel job), so it owns nothing outside its folder; afterwards the grader kills
  every process of that uid, including any that left the process group.
* **A mark**: every kernel starts with a token of its own in its environment (:data:`MARK`); afterwards
  the grader kills every process that still carries it, so a child that detached itself from the process
  group does not outlive its notebook (one that also clears its environment can, where the grader is not
  root).
* **Limits**: no core files, at most 1 GiB per file written.

What is left and where (see the README): without Landlock (macOS, Windows, old kernels) a submission can
read what the grading user can read, so grade as root or in a container there.  Either way the scores
cannot be forged: the tests run in the grader's process, never in the submission's
(:mod:`vaessl_lib.course.judge`).
"""

from __future__ import annotations

import ctypes
import os
import resource
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path

FIRST_UID = 61000          # kernels of parallel job j run as uid FIRST_UID + j when the grader is root

_SYS_CREATE, _SYS_ADD_RULE, _SYS_RESTRICT = 444, 445, 446   # the same numbers on x86-64 and arm64
_PR_SET_NO_NEW_PRIVS = 38
_RULE_PATH_BENEATH, _RULE_NET_PORT = 1, 2
# file-system access rights (linux/landlock.h), by the ABI that introduced them
_EXECUTE, _WRITE_FILE, _READ_FILE, _READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_ABI1 = (1 << 13) - 1
_REFER, _TRUNCATE, _IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
_NET_BIND_TCP, _NET_CONNECT_TCP = 1 << 0, 1 << 1
_SCOPE_ABSTRACT_UNIX, _SCOPE_SIGNAL = 1 << 0, 1 << 1
_READ = _EXECUTE | _READ_FILE | _READ_DIR


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


@dataclass
class Walls:
    """What :func:`confine` managed to set (the grader reports it once per run)."""

    landlock_abi: int = 0
    uid: int | None = None
    notes: list[str] = field(default_factory=list)


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def landlock_abi() -> int:
    """The kernel's Landlock ABI version (0 where there is none: another OS, an old or locked-down kernel)."""
    if not sys.platform.startswith("linux"):
        return 0
    try:
        abi = _libc().syscall(_SYS_CREATE, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    except (AttributeError, OSError):
        return 0
    return max(int(abi), 0)


def readable_roots(data_roots: list[str | Path]) -> list[Path]:
    """What a submission may read: the system, Python and its packages, vaessl_lib, the datasets."""
    paths = {"/usr", "/lib", "/lib32", "/lib64", "/bin", "/sbin", "/etc", "/opt", "/proc", "/sys",
             sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
             str(Path(__file__).resolve().parents[1])}   # all of vaessl_lib
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        paths.add(sysconfig.get_paths()[key])
    for entry in sys.path:   # site-packages and the like; never a whole checkout or the current folder
        p = Path(entry or ".").resolve()
        if p.is_dir() and ("site-packages" in p.parts or "dist-packages" in p.parts or p.name.endswith(".zip")):
            paths.add(str(p))
    paths.update(str(d) for d in data_roots)
    return sorted({Path(p).resolve() for p in paths if p and Path(p).exists()})


def _landlock(abi: int, read: list[Path], write: list[Path]) -> None:
    libc = _libc()
    handled = _ABI1 | (_REFER if abi >= 2 else 0) | (_TRUNCATE if abi >= 3 else 0) | (_IOCTL_DEV if abi >= 5 else 0)
    attr = _RulesetAttr(handled, (_NET_BIND_TCP | _NET_CONNECT_TCP) if abi >= 4 else 0,
                        (_SCOPE_ABSTRACT_UNIX | _SCOPE_SIGNAL) if abi >= 6 else 0)
    size = ctypes.sizeof(ctypes.c_uint64) * (3 if abi >= 6 else 2 if abi >= 4 else 1)
    ruleset = libc.syscall(_SYS_CREATE, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset")
    try:
        def allow(path: Path, access: int) -> None:
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            try:
                if not path.is_dir():   # a file takes file rights only
                    access &= _EXECUTE | _WRITE_FILE | _READ_FILE | _TRUNCATE | _IOCTL_DEV
                rule = _PathBeneath(access & handled, fd)
                if libc.syscall(_SYS_ADD_RULE, ruleset, _RULE_PATH_BENEATH, ctypes.byref(rule), 0) < 0:
                    raise OSError(ctypes.get_errno(), f"landlock_add_rule {path}")
            finally:
                os.close(fd)

        for path in read:
            allow(path, _READ)
        if Path("/dev").is_dir():   # /dev/null, /dev/urandom, ttys: read and write, but create nothing there
            allow(Path("/dev"), _READ | _WRITE_FILE | (_IOCTL_DEV if abi >= 5 else 0))
        for path in write:
            allow(path, handled)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS)")
        if libc.syscall(_SYS_RESTRICT, ruleset, 0) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self")
    finally:
        os.close(ruleset)


def confine(workdir: str | Path, uid: int | None, data_roots: list[str | Path]) -> Walls:
    """Wall in the current process (the submission's kernel) before it runs student code.

    ``workdir`` is the one folder it may write (its cwd, HOME and TMPDIR); ``uid`` the unprivileged user
    to become when running as root (ignored otherwise).  Irreversible for this process and its children.
    """
    walls = Walls()
    workdir = Path(workdir).resolve()
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (2**30, 2**30))
    read = readable_roots(data_roots)   # resolved before the walls go up (sys.path may name any folder)
    root = hasattr(os, "geteuid") and os.geteuid() == 0
    python = [Path(p) for p in (sys.base_prefix, sys.prefix, Path(__file__).resolve().parents[1])]
    switch = uid is not None and root and all(_others_can_read(p) for p in python)
    if uid is not None and root and not switch:
        walls.notes.append("kept the grader's user: Python or vaessl_lib lies in a folder other users cannot read")
    if switch:
        os.chown(workdir, uid, uid)
    abi = landlock_abi()
    if abi:
        try:
            _landlock(abi, read, [workdir])
            walls.landlock_abi = abi
        except OSError as exc:   # e.g. a container whose seccomp policy refuses the calls
            walls.notes.append(f"Landlock refused: {exc}")
    if switch:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
        walls.uid = uid
    return walls


def _others_can_read(path: Path) -> bool:
    """Whether a user with no rights of its own can list ``path`` and reach it from ``/``."""
    path = path.resolve()
    try:
        if not path.stat().st_mode & 0o005 == 0o005:
            return False
        return all(parent.stat().st_mode & 0o001 for parent in path.parents)
    except OSError:
        return False


MARK = "VAESSL_KERNEL"   # an environment variable every submission kernel starts with: a token of its own


def kill_leftovers(uid: int | None, token: str) -> int:
    """SIGKILL what a kernel left behind, in or out of its process group: every process of ``uid`` (the
    kernel's own user, when the grader is root) and every process whose environment still carries the
    kernel's ``token`` (a child that detached itself keeps it); how many."""
    import signal

    marker = f"{MARK}={token}".encode()
    killed = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            status = (entry / "status").read_text()
            line = next((ln for ln in status.splitlines() if ln.startswith("Uid:")), "")
            mine = uid is not None and line.split()[1:2] == [str(uid)]
            if not mine:
                mine = marker in (entry / "environ").read_bytes().split(b"\0")
        except (OSError, ValueError):
            continue
        if mine:
            try:
                os.kill(int(entry.name), signal.SIGKILL)
                killed += 1
            except OSError:
                pass
    return killed
