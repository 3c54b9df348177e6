"""The site folder: a folder that is not a site is never replaced; the swap; a person's files and the folder's
permissions kept; a folder that cannot be written refused before any kernel; what stopped builds left (staging
folders, an old site) cleared or reported; two builds into one folder."""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from thanalysis.errors import BuildError
from thanalysis.publish import build
from thanalysis.publish.folder import carry_over, check_replaceable, swap_in
from thanalysis.publish.lifetime import owner_record
from thanalysis.publish.site import SiteEntry, SiteInfo, write_site_index

from .conftest import nb_rel, start_build, unwritable, wait_for


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _site(folder, marker: str):
    folder.mkdir()
    write_site_index(folder, SiteInfo(title="T", built_at="2025-01-01T00:00:00Z", data_statement="demo",
                                      entries=[SiteEntry(name=marker, title=marker, group="G", parameters={},
                                                         status="built")]))
    return folder


def test_swap_replaces_the_site_and_carries_a_readme_over(tmp_path):
    out = _site(tmp_path / "reports", "old")
    (out / "README.md").write_text("kept")
    new = _site(tmp_path / "new", "new")
    check_replaceable(out)
    carry_over(out, new, reports={"old", "new"})
    swap_in(new, out)
    assert [r["name"] for r in json.loads((out / "site.json").read_text())["reports"]] == ["new"]
    assert (out / "README.md").read_text() == "kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports"]


def test_a_failed_swap_puts_the_last_good_site_back(tmp_path):
    out = _site(tmp_path / "reports", "old")
    with pytest.raises(BuildError, match="could not be moved into place as reports/.*last good site was left"):
        swap_in(tmp_path / "no-new-site", out)
    assert [r["name"] for r in json.loads((out / "site.json").read_text())["reports"]] == ["old"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports"]


# whole builds: what the folder holds, what earlier builds left, what cannot be written -----------------------------

def _no_run(*args, **kwargs):
    raise AssertionError("a notebook was run")


def _ok_plan(write_plan):
    return write_plan([{"name": "ok", "notebook": nb_rel("ok")}])


@pytest.mark.slow
def test_a_persons_files_and_the_folders_permissions_survive_every_build(write_plan, tmp_path, fake_store,
                                                                        fallback_renderer, fixed_library,
                                                                        monkeypatch):
    site = tmp_path / "reports"
    plan = _ok_plan(write_plan)
    build.build_site(plan, out_dir=site, progress=False)
    assert stat.S_IMODE(site.stat().st_mode) == 0o777 & ~_umask()  # a new site: as any new folder
    (site / "notes.txt").write_text("my notes")
    (site / "drafts").mkdir()
    (site / "drafts" / "board-paper.md").write_text("draft")
    os.chmod(site, 0o750)

    with monkeypatch.context() as m:  # every report skipped: the site is still swapped, and keeps them
        m.setattr(build, "run_jobs", _no_run)
        result = build.build_site(plan, out_dir=site, progress=False)
    assert [r.status for r in result.reports] == ["unchanged"]
    assert (site / "notes.txt").read_text() == "my notes"
    assert (site / "drafts" / "board-paper.md").read_text() == "draft"
    assert stat.S_IMODE(site.stat().st_mode) == 0o750

    os.chmod(site, 0o755)
    result = build.build_site(plan, out_dir=site, progress=False, force=True)
    assert [r.status for r in result.reports] == ["built"]
    assert (site / "notes.txt").read_text() == "my notes" and (site / "drafts" / "board-paper.md").is_file()
    assert stat.S_IMODE(site.stat().st_mode) == 0o755
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("reports")) == ["reports", "reports.lock"]


def test_a_persons_folder_named_like_a_report_is_refused(write_plan, tmp_path, fake_store, fallback_renderer,
                                                        monkeypatch):
    monkeypatch.setattr(build, "run_jobs", _no_run)
    site = _site(tmp_path / "reports", "old")
    (site / "ok").mkdir()
    (site / "ok" / "mine.txt").write_text("not a report")
    with pytest.raises(BuildError, match="holds ok, which a build did not write, under the name of a report"):
        build.build_site(_ok_plan(write_plan), out_dir=site, progress=False)
    assert (site / "ok" / "mine.txt").read_text() == "not a report"


@pytest.mark.parametrize("which", ["site", "parent"])
def test_a_folder_that_cannot_be_written_is_refused_before_any_kernel(write_plan, tmp_path, fake_store,
                                                                      fallback_renderer, monkeypatch, which):
    monkeypatch.setattr(build, "run_jobs", _no_run)
    parent = tmp_path / "web"
    parent.mkdir()
    site = _site(parent / "reports", "old") if which == "site" else parent / "reports"
    locked = site if which == "site" else parent
    with unwritable(locked), pytest.raises(BuildError) as err:
        build.build_site(_ok_plan(write_plan), out_dir=site, progress=False)
    words = "the site folder" if which == "site" else "the folder that holds the site"
    assert f"cannot write in {words}" in str(err.value) and "--out" in str(err.value)
    assert not list(parent.glob("reports.tmp-*"))


def _stuck_old(site: Path) -> Path:
    """``<site>.old`` holding a folder whose file cannot be deleted (see unwritable)."""
    stuck = site.with_name(site.name + ".old") / "ok" / "stuck"
    stuck.mkdir(parents=True)
    (stuck / "file.txt").write_text("cannot be deleted")
    return stuck


@pytest.mark.slow
def test_an_old_site_that_cannot_be_removed_stops_the_build_before_any_kernel(write_plan, tmp_path, fake_store,
                                                                             fallback_renderer, fixed_library,
                                                                             monkeypatch):
    site = tmp_path / "reports"
    plan = _ok_plan(write_plan)
    build.build_site(plan, out_dir=site, progress=False)
    before = (site / "index.html").read_bytes()
    stuck = _stuck_old(site)
    with monkeypatch.context() as m, unwritable(stuck), pytest.raises(BuildError) as err:
        m.setattr(build, "run_jobs", _no_run)
        build.build_site(plan, out_dir=site, progress=False, force=True)
    msg = str(err.value)
    assert "reports.old/, a previous site left by an earlier build, cannot be removed" in msg
    assert "reports.old/ok/stuck/file.txt" in msg and "delete it by hand" in msg
    assert (site / "index.html").read_bytes() == before

    messages: list[str] = []  # once it can be deleted, the next build does so and says it
    result = build.build_site(plan, out_dir=site, progress=False, log=messages.append)
    assert result.ok and "removed reports.old/, a previous site left by an earlier build" in messages
    assert not site.with_name("reports.old").exists()


@pytest.mark.slow
def test_a_previous_site_that_cannot_be_deleted_after_the_swap_is_reported(write_plan, tmp_path, fake_store,
                                                                          fallback_renderer, fixed_library):
    site = tmp_path / "reports"
    plan = _ok_plan(write_plan)
    build.build_site(plan, out_dir=site, progress=False)
    stuck = site / "ok" / "stuck"
    stuck.mkdir()
    (stuck / "file.txt").write_text("cannot be deleted")
    messages: list[str] = []
    with unwritable(stuck) as where:
        result = build.build_site(plan, out_dir=site, progress=False, force=True, log=messages.append)
        where[0] = tmp_path / "reports.old" / "ok" / "stuck"  # moved aside with the previous site
        assert result.ok and (site / "site.json").is_file()
        assert any("the new site is published, but the previous one, moved to" in m and "reports.old/" in m
                   and "delete it by hand" in m for m in messages), messages
        with pytest.raises(BuildError, match="reports.old/, a previous site left by an earlier build, cannot be"):
            build.build_site(plan, out_dir=site, progress=False)


def test_a_site_left_aside_by_a_stopped_swap_is_put_back(write_plan, tmp_path, fake_store, fallback_renderer,
                                                         monkeypatch):
    monkeypatch.setattr(build, "run_jobs", _no_run)
    old = _site(tmp_path / "reports.old", "old")
    messages: list[str] = []
    with pytest.raises(AssertionError, match="a notebook was run"):  # its reports are checked, then ok must run
        build.build_site(_ok_plan(write_plan), out_dir=tmp_path / "reports", progress=False, log=messages.append)
    assert "put the last good site back from reports.old/ (a build stopped while swapping sites)" in messages
    assert not old.exists() and json.loads((tmp_path / "reports" / "site.json").read_text())["reports"][0]["name"] == "old"


def test_leftover_staging_folders_of_dead_builds_are_removed_and_a_live_ones_kept(write_plan, tmp_path, fake_store,
                                                                                  fallback_renderer, monkeypatch):
    monkeypatch.setattr(build, "run_jobs", _no_run)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f"reports.tmp-{int(dead.stdout)}-abc"
    (stale / "ok").mkdir(parents=True)
    unnamed = tmp_path / "reports.tmp-k2j4h5"  # from a build that names no owner
    unnamed.mkdir()
    live = tmp_path / "reports.tmp-live"
    (live / "_work").mkdir(parents=True)
    (live / "_work" / "owner.json").write_text(json.dumps(owner_record()))
    messages: list[str] = []
    with pytest.raises(AssertionError, match="a notebook was run"):
        build.build_site(_ok_plan(write_plan), out_dir=tmp_path / "reports", progress=False, log=messages.append)
    assert f"removed {stale.name}/, left by a build that stopped (PID {int(dead.stdout)}, no longer running)" in messages
    assert f"removed {unnamed.name}/, left by a build that stopped (its owner unknown)" in messages
    assert f"left {live.name} in place: the build writing it (PID {os.getpid()}) is still running" in messages
    assert not stale.exists() and not unnamed.exists() and live.is_dir()


def test_a_site_that_cannot_be_moved_aside_is_a_build_error(tmp_path, monkeypatch):
    out = _site(tmp_path / "reports", "old")
    new = _site(tmp_path / "new", "new")
    rename = Path.rename

    def refuse(self, target):
        if Path(self) == out:
            raise PermissionError(13, "Permission denied", str(self))
        return rename(self, target)

    monkeypatch.setattr(Path, "rename", refuse)
    with pytest.raises(BuildError, match=r"published site .*reports/ could not be moved aside to reports.old/ \(Permission denied\)"):
        swap_in(new, out)
    assert json.loads((out / "site.json").read_text())["reports"][0]["name"] == "old" and new.is_dir()


# two builds into one folder ----------------------------------------------------------------------------------------

@pytest.mark.slow
def test_a_second_build_stops_naming_the_first_or_waits_for_it(write_plan, tmp_path, data_root, fake_store,
                                                               fallback_renderer, fixed_library):
    site = tmp_path / "reports"
    lock = tmp_path / "reports.lock"
    slow = write_plan([{"name": "sleeps", "notebook": nb_rel("sleeps"), "parameters": {"seconds": 8.0}}],
                      name="slow.yml")
    first = start_build(slow, site, data_root)
    try:
        wait_for(lambda: lock.is_file() and f'"pid": {first.pid},' in lock.read_text(), 120, first)
        with pytest.raises(BuildError) as err:
            build.build_site(_ok_plan(write_plan), out_dir=site, progress=False)
        assert f"another build (PID {first.pid} on " in str(err.value) and "--wait SECONDS" in str(err.value)
        with pytest.raises(BuildError, match=rf"another build \(PID {first.pid} .*still writing .* after 0.5 s"):
            build.build_site(_ok_plan(write_plan), out_dir=site, progress=False, wait=0.5)
        assert first.poll() is None, "the first build should still be running"

        messages: list[str] = []
        result = build.build_site(_ok_plan(write_plan), out_dir=site, progress=False, wait=300, log=messages.append)
        assert first.wait(60) == 0 and "build finished" in first.stdout.read()
    finally:
        first.kill()
    assert any(m.startswith(f"waiting for another build (PID {first.pid} on ") for m in messages), messages
    assert result.ok and [r.name for r in result.reports] == ["ok"]
    assert not (site / "sleeps").exists()  # the second build's site, swapped in after the first's


def test_a_new_folder_holding_only_its_readme_can_take_a_first_build(tmp_path):
    # the repository ships reports/README.md, so `make report` in a fresh clone builds into a folder holding it
    out = tmp_path / "reports"
    out.mkdir()
    (out / "README.md").write_text("the built site goes here")
    check_replaceable(out)
    (out / "notes.txt").write_text("a person's work")
    with pytest.raises(BuildError, match="notes.txt"):
        check_replaceable(out)
