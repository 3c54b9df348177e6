"""The site folder: a folder that is not a site is never replaced, the swap of a new site, and what it keeps."""
from __future__ import annotations

import json

import pytest

from thanalysis.errors import BuildError
from thanalysis.publish.folder import carry_over, check_replaceable, swap_in
from thanalysis.publish.site import SiteEntry, SiteInfo, write_site_index


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
    carry_over(out, new, reports={"old", "new"}, log=print)
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
