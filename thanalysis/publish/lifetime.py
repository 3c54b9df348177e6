"""The processes a build starts die with it, and what a build that died left behind can be recognised.

``kill -9`` of ``thanalysis build`` runs no cleanup code in the build, so what it started must notice by itself
(a local pool worker left running keeps its kernel, its memory and whatever it was writing):

- each local pool worker asks Linux to SIGKILL it when the build dies (``prctl(PR_SET_PDEATHSIG)``,
  :func:`start_worker`) and runs a watchdog thread that checks its parent twice a second, as a second line
  and the only one on other systems: when the parent has changed it kills the kernels it started and exits;
- each Jupyter kernel gets the same parent-death signal, set between fork and exec (:func:`kernel_preexec`), so
  it dies with the worker (or the process) that started it; ipykernel's own parent poller is a third line;
- the build's temporary folders and its lock name their owner (:func:`owner_record`: PID, the process's start
  time and host), so the next build can tell what a dead build left (:func:`is_running`).
"""
from __future__ import annotations

import ctypes
import os
import signal
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

#: prctl option: the signal this process gets when the thread that started it exits (Linux).
PR_SET_PDEATHSIG = 1
#: Seconds between two checks of the worker watchdog.
WATCH_INTERVAL = 0.5
_SIGKILL = int(signal.SIGKILL) if hasattr(signal, "SIGKILL") else 9


def _load_prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # a libc without prctl
        return None


_PRCTL = _load_prctl()
#: Process groups of the kernels this process started and has not shut down (each kernel leads its own group).
_KERNELS: set[int] = set()


def die_with_parent(parent_pid: int) -> None:
    """Have this process killed when its parent dies (Linux); exit at once if the parent has already gone."""
    if _PRCTL is not None:
        _PRCTL(PR_SET_PDEATHSIG, _SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:
        os._exit(1)


def start_worker(parent_pid: int) -> None:
    """Initializer of a local pool worker: die with the build (``parent_pid``), killing the kernels it started."""
    die_with_parent(parent_pid)
    _KERNELS.clear()  # a forked worker inherits the set: those kernels belong to the parent

    def watch() -> None:
        while True:
            time.sleep(WATCH_INTERVAL)
            if os.getppid() != parent_pid:
                kill_kernels()
                os._exit(1)

    threading.Thread(target=watch, name="thanalysis-watch-build", daemon=True).start()


def kernel_preexec() -> Callable[[], None]:
    """A ``preexec_fn`` for a kernel's ``Popen``: the kernel is SIGKILLed when this process dies.

    It runs in the child between fork and exec, so it does only a system call and a comparison. (Linux sends
    the signal when the *thread* that started the kernel ends; kernels are started by the thread that runs the
    report, which outlives them.)
    """
    parent = os.getpid()
    prctl = _PRCTL

    def preexec() -> None:
        if prctl is not None:
            prctl(PR_SET_PDEATHSIG, _SIGKILL, 0, 0, 0)
        if os.getppid() != parent:
            os._exit(1)

    return preexec


def track_kernel(km: Any) -> int | None:
    """Remember the process group of the kernel ``km`` started (the watchdog kills it with the worker)."""
    pgid = getattr(km.provisioner, "pgid", None) or getattr(km.provisioner, "pid", None)
    if pgid:
        _KERNELS.add(int(pgid))
    return int(pgid) if pgid else None


def forget_kernel(pgid: int | None) -> None:
    """The kernel of process group ``pgid`` was shut down."""
    _KERNELS.discard(pgid)


def kill_kernels() -> None:
    """SIGKILL every kernel this process started and did not shut down (and anything those kernels started)."""
    for pgid in list(_KERNELS):
        try:
            os.killpg(pgid, _SIGKILL)
        except OSError:  # already gone
            pass
        _KERNELS.discard(pgid)


# who owns a folder ------------------------------------------------------------------------------------------

def start_time(pid: int) -> int | None:
    """When process ``pid`` started (clock ticks since boot, from /proc), or None when unknown or not running."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()  # after "pid (command)": field 3 (state) onwards
    if fields[0] in {"Z", "X"}:  # a zombie: dead, only not yet reaped
        return None
    return int(fields[19])  # field 22, starttime


def owner_record() -> dict[str, Any]:
    """This process, as recorded in the lock and the temporary folders it owns."""
    pid = os.getpid()
    return {"pid": pid, "started": start_time(pid), "host": socket.gethostname()}


def is_running(owner: dict[str, Any]) -> bool:
    """True if the process an :func:`owner_record` describes is still running (or runs on another host,
    where this cannot be told); a PID reused by a later process does not count."""
    host = owner.get("host")
    if host and host != socket.gethostname():
        return True
    pid = owner.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        pass
    if not Path("/proc").is_dir():
        return True
    now = start_time(pid)
    if now is None:
        return False
    return owner.get("started") is None or owner.get("started") == now
