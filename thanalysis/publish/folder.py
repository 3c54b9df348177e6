"""The site folder on disk: its lock, what earlier builds left beside it, the staging folder, and the swap.

A build never writes into the published site. It takes the folder's lock (``<out>.lock`` beside it: a second
build into the same folder stops, naming the first, or waits for it with ``--wait``), checks that it can write
there before any kernel starts, clears what a stopped build left (``<out>.tmp-*`` whose owner is no longer
running; ``<out>.old``), puts the new site together in ``<out>.tmp-<pid>-*`` and swaps it in: the old site is
renamed to ``<out>.old``, the new one to ``<out>``, and the old one deleted, so a reader never sees a half-built
site. Files a person keeps at the top of the site (notes, a README) are carried into each new site, and the
folder keeps its permissions. Every failure on the way is a :class:`BuildError` saying what to do.
"""
from __future__ import annotations

import glob
import json
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from thanalysis.errors import BuildError
from thanalysis.publish.lifetime import is_running, owner_record
from thanalysis.publish.manifest import MANIFEST, utc_now
from thanalysis.publish.rankings import RANKINGS_CSV, RANKINGS_HTML
from thanalysis.publish.site import FAILED_DIR, INDEX, SITE_JSON

try:  # not on Windows: there a build takes no lock
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

#: Files at the top of a site that a build writes (anything else there is a person's, and is kept).
BUILD_FILES = frozenset({INDEX, SITE_JSON, RANKINGS_HTML, RANKINGS_CSV, FAILED_DIR})
#: Files a folder may hold before its first build (the repository's reports/README.md): kept like a person's files.
PLACEHOLDERS = frozenset({"README.md", "README", "README.txt", ".gitkeep"})
#: The staging folder's working space (executed notebooks, logs, its owner), removed before the swap: never published.
WORK_DIR = "_work"
#: Where a build notes who owns a staging folder (in its ``WORK_DIR``).
OWNER_FILE = "owner.json"


def shown(path: Path) -> str:
    """``path`` as a person can find it: relative to the working directory when inside it, else absolute."""
    path = Path(path)
    try:
        return path.relative_to(Path.cwd().resolve()).as_posix() or "."
    except ValueError:
        return path.as_posix()


def _old(out: Path) -> Path:
    return out.with_name(out.name + ".old")


# what is at the top of a site ----------------------------------------------------------------------------------

def kept_files(out: Path, reports: set[str]) -> list[Path]:
    """The entries at the top of the site that a build did not write: a person's files, kept across builds.

    A build writes the index, ``site.json``, the rankings, ``_failed/`` and one folder per report (holding its
    ``manifest.json``); a folder of a report that is no longer in the plan is dropped with the old site.
    """
    if not out.is_dir():
        return []
    return sorted(p for p in out.iterdir() if p.name not in BUILD_FILES and p.name not in reports
                  and not (p.is_dir() and not p.is_symlink() and (p / MANIFEST).is_file()))


def check_replaceable(out: Path, reports: set[str] = frozenset()) -> None:
    """Refuse a folder that is not a thanalysis site (so ``--out ~/Documents`` cannot delete work), and a site
    holding a person's folder under the name of one of the plan's ``reports``."""
    out = Path(out)
    if not out.exists():
        return
    if not out.is_dir():
        raise BuildError(f"the site folder {out.name} exists and is not a folder")
    if not (out / SITE_JSON).is_file():
        extra = [p.name for p in out.iterdir() if p.name != FAILED_DIR and not (p.name in PLACEHOLDERS and p.is_file())]
        if extra:
            raise BuildError(
                f"the site folder {out.name}/ holds files that a build did not write ({', '.join(sorted(extra)[:5])})"
                "; a build replaces the whole folder, so choose an empty or new folder with --out")
        return
    clash = sorted(p.name for p in out.iterdir() if p.name in reports and not (p / MANIFEST).is_file())
    if clash:
        raise BuildError(f"the site folder {out.name}/ holds {', '.join(clash)}, which a build did not write, under "
                         "the name of a report of the plan: move or rename it (a report's folder replaces it)")


# the lock ----------------------------------------------------------------------------------------------------------

@contextmanager
def site_lock(out: Path, *, wait: float = 0.0, log: Callable[[str], None] = print) -> Iterator[Path]:
    """Hold ``<out>.lock`` while the block runs; if another build holds it, stop at once naming that build, or wait
    up to ``wait`` seconds for it. The lock goes with the process, however it ends (``flock``)."""
    path = out.with_name(out.name + ".lock")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fh = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held open for the whole build
    except OSError as exc:
        raise BuildError(f"cannot write in the folder that holds the site ({shown(out.parent)}/): {exc.strerror} "
                         f"({path.name}). A build writes its lock and the new site beside {out.name}/: make it "
                         "writable or choose another folder with --out") from None
    try:
        if fcntl is not None:
            try:
                _acquire(fh, out, path, wait, log)
            except OSError as exc:  # e.g. a network file system without locks
                raise BuildError(f"cannot lock {shown(path)} ({exc.strerror}), which keeps two builds from writing "
                                 f"{out.name}/ at once: build into a folder on a local disk with --out") from None
        fh.seek(0)
        fh.truncate()
        fh.write(json.dumps({**owner_record(), "since": utc_now()}) + "\n")
        fh.flush()
        yield path
    finally:
        if fcntl is not None:
            fcntl.flock(fh, fcntl.LOCK_UN)  # released even if a forked worker still holds the descriptor
        fh.close()


def _acquire(fh, out: Path, path: Path, wait: float, log: Callable[[str], None]) -> None:
    deadline = time.monotonic() + max(0.0, wait)
    waiting = False
    while True:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        holder = _holder(path)
        if time.monotonic() >= deadline:
            if wait <= 0:
                raise BuildError(f"another build ({holder}) is writing the site {shown(out)}/; let it finish and "
                                 "build again, or give --wait SECONDS to wait for it")
            raise BuildError(f"another build ({holder}) is still writing the site {shown(out)}/ after {wait:g} s; "
                             "let it finish and build again, or wait longer with --wait SECONDS")
        if not waiting:
            log(f"waiting for another build ({holder}) to finish writing {shown(out)}/ (up to {wait:g} s)")
            waiting = True
        time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))


def _holder(path: Path) -> str:
    try:
        who = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        who = {}
    if not isinstance(who, dict) or not who.get("pid"):
        return f"its lock is {shown(path)}"
    since = f", since {who['since'].replace('T', ' ').replace('Z', ' UTC')}" if who.get("since") else ""
    return f"PID {who['pid']} on {who.get('host', '?')}{since}"


# before the build: can it write, and what did earlier builds leave ---------------------------------------------

def check_writable(out: Path) -> None:
    """Refuse, before any kernel starts, a site folder (or the folder holding it) that this user cannot write."""
    places = [(out.parent, f"the folder that holds the site ({shown(out.parent)}/)")]
    if out.is_dir():
        places.append((out, f"the site folder {shown(out)}/"))
    for folder, what in places:
        try:
            fd, probe = tempfile.mkstemp(prefix=".thanalysis-write-check-", dir=folder)
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            raise BuildError(f"cannot write in {what}: {exc.strerror}. A build writes the new site beside the old "
                             "one and swaps them: make it writable (e.g. chmod u+w, or check the disk is not "
                             "mounted read-only) or choose another folder with --out") from None


def clear_leftovers(out: Path, log: Callable[[str], None]) -> None:
    """Remove what stopped builds left beside the site (call with the lock held).

    A ``<out>.tmp-*`` folder whose owner is no longer running is removed (one that cannot be is reported and left:
    it is not in the way). ``<out>.old`` is the last good site put back if ``<out>`` is missing (a build stopped in
    the middle of its swap), else removed; if it cannot be removed the build stops here, saying what to delete.
    """
    for tmp in sorted(out.parent.glob(glob.escape(out.name) + ".tmp-*")):
        if not tmp.is_dir() or tmp.is_symlink():
            continue
        owner = _owner(tmp)
        if owner is not None and is_running(owner):
            log(f"left {tmp.name} in place: the build writing it (PID {owner['pid']}) is still running")
            continue
        who = f"PID {owner['pid']}, no longer running" if owner else "its owner unknown"
        failed = _remove(tmp)
        if failed:
            log(f"could not remove {shown(tmp)}/, left by a build that stopped ({who}): {failed}; delete it by hand")
        else:
            log(f"removed {tmp.name}/, left by a build that stopped ({who})")
    old = _old(out)
    if not (old.exists() or old.is_symlink()):
        return
    if not out.exists() and (old / SITE_JSON).is_file():
        try:
            old.rename(out)
        except OSError as exc:
            raise BuildError(f"the last good site is in {shown(old)}/ (a build stopped while swapping sites) and "
                             f"could not be put back as {out.name}/ ({exc.strerror}): rename it by hand") from None
        log(f"put the last good site back from {old.name}/ (a build stopped while swapping sites)")
        return
    failed = _remove(old)
    if failed:
        raise BuildError(f"{shown(old)}/, a previous site left by an earlier build, cannot be removed ({failed}); "
                         f"delete it by hand (e.g. rm -rf '{shown(old)}'), then build again")
    log(f"removed {old.name}/, a previous site left by an earlier build")


def _owner(tmp: Path) -> dict[str, Any] | None:
    """Who made a staging folder: its owner record, else the PID in its name (``<out>.tmp-<pid>-*``)."""
    record = tmp / WORK_DIR / OWNER_FILE
    try:
        owner = json.loads(record.read_text(encoding="utf-8"))
        if isinstance(owner, dict):
            return owner
    except (OSError, ValueError):
        pass
    pid = tmp.name.rsplit(".tmp-", 1)[-1].split("-")[0]
    return {"pid": int(pid)} if pid.isdigit() else None


def _remove(path: Path) -> str:
    """Delete ``path`` (a folder, a file or a link); '' if it is gone, else what stopped it (the first failure)."""
    failures: list[str] = []

    def note(func, name, exc_info) -> None:
        exc = exc_info[1]
        failures.append(f"{getattr(exc, 'strerror', None) or exc}: {shown(Path(name))}")

    if path.is_symlink() or not path.is_dir():
        try:
            path.unlink()
        except OSError as exc:
            return f"{exc.strerror}: {shown(path)}"
        return ""
    shutil.rmtree(path, onerror=note)
    if failures and path.exists():
        return failures[0]
    return ""


# the staging folder and the swap -------------------------------------------------------------------------------

@contextmanager
def staging(out: Path) -> Iterator[Path]:
    """A new, empty folder beside ``out`` (so the swap is a rename on the same disk) naming its owner in its
    ``WORK_DIR``, with ``out``'s permissions (for a new site: those of any new folder); gone afterwards."""
    mode = (out.stat().st_mode & 0o7777) if out.is_dir() else (0o777 & ~_umask())
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f"{out.name}.tmp-{os.getpid()}-", dir=out.parent))
        (tmp / WORK_DIR).mkdir()
        (tmp / WORK_DIR / OWNER_FILE).write_text(json.dumps(owner_record()) + "\n", encoding="utf-8")
        os.chmod(tmp, mode | 0o700)  # the build writes in it; swap_in gives it the site's own mode
    except OSError as exc:
        raise BuildError(f"cannot make the new site's folder beside {shown(out)}/ ({exc.strerror}); free some space "
                         "or choose another folder with --out") from None
    try:
        yield tmp
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def copy_report(src: Path, dest: Path) -> None:
    """Copy a report's last build into the new site (an error names the folder and what to do)."""
    try:
        shutil.copytree(src, dest)
    except OSError as exc:
        raise BuildError(f"could not copy the last build of {src.name}/ into the new site ({exc.strerror or exc}); "
                         "the published site was left as it was: check the disk has space and the site can be "
                         "read, or rebuild everything with --force") from None


def carry_over(out: Path, new: Path, reports: set[str]) -> None:
    """Carry a person's files at the top of the current site (see :func:`kept_files`) into the new one (as hard
    links where the file system has them, so a large folder costs nothing)."""
    for src in kept_files(out, reports):
        dest = new / src.name
        if dest.exists() or dest.is_symlink():
            continue
        try:
            if src.is_dir() and not src.is_symlink():
                shutil.copytree(src, dest, symlinks=True, copy_function=_link_or_copy)
            elif src.is_symlink():
                shutil.copy2(src, dest, follow_symlinks=False)
            else:
                _link_or_copy(src, dest)
        except OSError as exc:
            raise BuildError(f"could not copy {shown(src)}, a file kept in the site, into the new site "
                             f"({exc.strerror}); the published site was left as it was: check the disk has space "
                             "and the file can be read, then build again") from None


def _link_or_copy(src, dest) -> None:
    """A second name for the file (nothing is copied; the old site's name goes with it), or a copy where the file
    system has no hard links."""
    try:
        os.link(src, dest, follow_symlinks=False)
    except OSError:
        shutil.copy2(src, dest)


def swap_in(new: Path, out: Path, log: Callable[[str], None] = print) -> None:
    """Make ``new`` the site at ``out`` (with ``out``'s permissions): rename the old site aside, rename the new one
    in, delete the old one."""
    new, out = Path(new), Path(out)
    old = _old(out)
    if out.is_dir() and new.is_dir():
        try:
            os.chmod(new, out.stat().st_mode & 0o7777)  # the folder keeps its permissions
        except OSError as exc:
            raise BuildError(f"could not give the new site the permissions of {shown(out)}/ ({exc.strerror}); the "
                             "published site was left as it was") from None
    if old.exists() or old.is_symlink():
        failed = _remove(old)
        if failed:
            raise BuildError(f"{shown(old)}/ cannot be removed ({failed}); delete it by hand, then build again "
                             "(the published site was left as it was)")
    if out.exists():
        try:
            out.rename(old)
        except OSError as exc:
            raise BuildError(f"the published site {shown(out)}/ could not be moved aside to {old.name}/ "
                             f"({exc.strerror}); it was left as it was: check you can write in {shown(out.parent)}/ "
                             "and build again") from None
    try:
        new.rename(out)
    except OSError as exc:
        if old.exists() and not out.exists():
            old.rename(out)  # put the last good site back
        raise BuildError(f"the new site could not be moved into place as {out.name}/ ({exc.strerror or exc}); "
                         "the last good site was left as it was") from exc
    failed = _remove(old) if old.exists() else ""
    if failed:
        log(f"warning: the new site is published, but the previous one, moved to {shown(old)}/, could not be "
            f"deleted ({failed}): delete it by hand; the next build stops until it is gone")
