"""The Dask executor gives the same results as the local process pool (a one-worker cluster on loopback)."""
from __future__ import annotations

import pytest

from thanalysis.cli import main as cli_main
from thanalysis.publish import build

from .conftest import nb_rel

pytestmark = pytest.mark.slow


def test_dask_and_local_executors_publish_identical_results(write_plan, tmp_path, fake_store, fallback_renderer,
                                                            fixed_library):
    distributed = pytest.importorskip("distributed")
    plan = write_plan([{"name": "table-{factor}", "notebook": nb_rel("table"), "for_each": {"factor": [0.5, 4]}},
                       {"name": "typed", "notebook": nb_rel("typed"), "parameters": {"ids": ["x"]}}])
    local = build.build_site(plan, out_dir=tmp_path / "local", jobs=2, progress=False)
    with distributed.LocalCluster(host="127.0.0.1", n_workers=1, threads_per_worker=2, processes=True,
                                  dashboard_address=None) as cluster:
        dask = build.build_site(plan, out_dir=tmp_path / "dask", executor="dask", scheduler=cluster.scheduler_address,
                                progress=False)
    assert [r.status for r in local.reports] == [r.status for r in dask.reports] == ["built"] * 3
    for name in ("table-0.5", "table-4"):
        for rel in ("results/table.csv", "summary.json", "sources.json"):
            a = (tmp_path / "local" / name / rel).read_bytes()
            b = (tmp_path / "dask" / name / rel).read_bytes()
            assert a == b, f"{name}/{rel} differs between executors"
    assert (tmp_path / "local" / "typed" / "summary.json").read_bytes() == \
        (tmp_path / "dask" / "typed" / "summary.json").read_bytes()


def test_dask_needs_a_scheduler_address(write_plan, tmp_path, fake_store, fallback_renderer, capsys):
    plan = write_plan([{"name": "ok", "notebook": nb_rel("ok")}])
    assert cli_main(["build", "--plan", str(plan), "--out", str(tmp_path / "s"), "--executor", "dask",
                     "--no-progress"]) == 2
    assert "--executor dask needs --scheduler ADDRESS" in capsys.readouterr().err
    assert not (tmp_path / "s").exists()
