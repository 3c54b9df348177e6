"""A build's workers and kernels die with it, even under ``kill -9``; the next build removes what it left."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from thanalysis.config import project_root
from thanalysis.publish import build
from thanalysis.publish.lifetime import is_running, owner_record

from .conftest import nb_rel, processes_with, start_build, wait_for

linux_only = pytest.mark.skipif(not Path("/proc/self/stat").is_file() or not sys.platform.startswith("linux"),
                                reason="parent-death signals and /proc are Linux's")


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] not in "ZX"


@linux_only
def test_a_kernel_started_with_the_preexec_dies_with_its_parent(tmp_path):
    """The parent-death signal alone (no poller, no watchdog): a child started like a kernel, from a process that
    is then killed with SIGKILL, is gone at once."""
    pid_file = tmp_path / "child.pid"
    parent = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import subprocess, sys, time
        from thanalysis.publish.lifetime import kernel_preexec
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"], start_new_session=True,
                                 preexec_fn=kernel_preexec())
        open({str(pid_file)!r}, "w").write(str(child.pid))
        time.sleep(120)
    """)], env={**os.environ, "PYTHONPATH": str(project_root())})
    try:
        child = int(wait_for(lambda: pid_file.is_file() and pid_file.read_text(), 30, parent))
        assert _alive(child)
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 5
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(child), "the child outlived the process that started it"
    finally:
        parent.kill()


def test_owner_records_tell_a_running_process_from_a_dead_or_reused_one():
    me = owner_record()
    assert me["pid"] == os.getpid() and is_running(me)
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    assert not is_running({**me, "pid": int(done.stdout)})  # finished
    if me["started"] is not None:
        assert not is_running({**me, "started": me["started"] - 1})  # the same PID, a later process
    assert is_running({**me, "pid": 999_999_999, "host": "another-machine"})  # cannot tell: never removed
    assert not is_running({"pid": None})


@pytest.mark.slow
@linux_only
def test_kill_9_of_a_build_leaves_no_process_and_the_next_build_cleans_up(write_plan, tmp_path, data_root,
                                                                         fake_store, fallback_renderer, fixed_library):
    marker = uuid.uuid4().hex
    site = tmp_path / "site"
    plan = write_plan([{"name": "sleeps", "notebook": nb_rel("sleeps"), "parameters": {"seconds": 300.0}}],
                      name="sleepy.yml")
    proc = start_build(plan, site, data_root, marker)
    try:
        wait_for(lambda: [p for p in processes_with(marker) if "ipykernel" in p[1]], 120, proc)
        family = processes_with(marker)
        assert proc.pid in {pid for pid, _ in family} and len(family) >= 3, family  # build, worker, kernel
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        deadline = time.monotonic() + 10
        while processes_with(marker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert processes_with(marker) == [], "processes of the killed build were still running after 10 s"
    finally:
        proc.kill()
        for pid, _ in processes_with(marker):  # never leave them running, whatever the test found
            os.kill(pid, signal.SIGKILL)
    left = sorted(tmp_path.glob("site.tmp-*"))
    assert [p.name.startswith(f"site.tmp-{proc.pid}-") for p in left] == [True]
    assert not site.exists()

    messages: list[str] = []
    result = build.build_site(write_plan([{"name": "ok", "notebook": nb_rel("ok")}]), out_dir=site, progress=False,
                              log=messages.append)
    assert result.ok and (site / "ok" / "index.html").is_file()
    assert f"removed {left[0].name}/, left by a build that stopped (PID {proc.pid}, no longer running)" in messages
    assert not list(tmp_path.glob("site.tmp-*"))
