"""The ``thanalysis`` command line: it only parses arguments and calls library functions.

Whatever the command line does, a notebook or a test can do by calling the same function.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from typing import Callable, Sequence

from thanalysis.errors import ThanalysisError


def _lazy(module: str, func: str) -> Callable[[argparse.Namespace], int]:
    """Import the command's module only when it runs (keeps ``thanalysis --help`` fast)."""

    def run(args: argparse.Namespace) -> int:
        return getattr(importlib.import_module(module), func)(args)

    return run


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="thanalysis",
        description="Analysis and HTML reports for Tower Hamlets Together and the HDRC.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="run a report plan and publish the HTML site")
    b.add_argument("--plan", default="plans/default.yml", help="report plan (YAML); default plans/default.yml")
    b.add_argument("--data-root", default=None, help="folder of real source files (else $THANALYSIS_DATA_ROOT, else the demo)")
    b.add_argument("--jobs", type=int, default=None, help="notebooks run at once (default: number of cores)")
    b.add_argument("--only", action="append", default=None, help="build only the report(s) with this name (repeatable)")
    b.add_argument("--out", default="reports", help="site folder (default reports/)")
    b.add_argument("--force", action="store_true", help="rebuild reports whose inputs have not changed")
    b.add_argument("--timeout", type=int, default=None, help="seconds allowed for any one notebook cell (default 900)")
    b.add_argument("--executor", choices=["local", "dask"], default="local", help="where notebook jobs run")
    b.add_argument("--scheduler", default=None, help="Dask scheduler address, with --executor dask")
    b.add_argument("--no-progress", action="store_true", help="no progress bar")
    b.add_argument("--pdf", action="store_true",
                   help="also print each report to <report>/report.pdf with headless Chromium ($THANALYSIS_CHROMIUM)")
    b.add_argument("--fresh-kernels", action="store_true",
                   help="start a new kernel for every report (default: each worker reuses one, reset between reports)")
    b.add_argument("--wait", type=float, default=0, metavar="SECONDS",
                   help="if another build is writing the same site folder, wait up to SECONDS for it "
                        "(default: stop at once, naming it)")
    b.set_defaults(run=_lazy("thanalysis.publish.build", "main"))

    r = sub.add_parser("reproduce", help="rerun one report from its manifest.json and compare the result tables")
    r.add_argument("manifest", help="path to a report's manifest.json")
    r.add_argument("--data-root", default=None, help="data root to use instead of the one recorded")
    r.add_argument("--keep", default=None, help="folder to keep the rerun's outputs in")
    r.set_defaults(run=_lazy("thanalysis.publish.reproduce", "main"))

    d = sub.add_parser("data", help="fetch, check or generate data")
    dsub = d.add_subparsers(dest="data_command", required=True)
    f = dsub.add_parser("fetch", help="fill the data root from the official URLs or a local mirror")
    f.add_argument("--from", dest="source_dir", default=None, help="copy from this local mirror folder instead of downloading")
    f.add_argument("--data-root", default=None)
    f.add_argument("--only", action="append", default=None, help="dataset id(s) from data/sources.yml")
    f.add_argument("--base-url", default=None, help=argparse.SUPPRESS)
    f.set_defaults(run=_lazy("thanalysis.data.fetch", "main"))
    ft = dsub.add_parser("fingertips", help="fetch OHID Fingertips indicators (all periods) from its API")
    ft.add_argument("--indicator", action="append", default=None, metavar="ID",
                    help="Fingertips indicator id (repeatable)")
    ft.add_argument("--profile", action="append", default=None, metavar="KEY",
                    help="every indicator of a profile, by its URL key, e.g. public-health-outcomes-framework")
    ft.add_argument("--area-type", action="append", default=None, metavar="utla|ltla|ID",
                    help="upper-tier LAs (default), lower-tier LAs or a Fingertips area type id (repeatable)")
    ft.add_argument("--data-root", default=None)
    ft.add_argument("--base-url", default=None,
                    help="API address (default $THANALYSIS_FINGERTIPS_URL, else the public API)")
    ft.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for an answer (default 60)")
    ft.add_argument("--force", action="store_true", help="download again even when the files are up to date")
    ft.set_defaults(run=_lazy("thanalysis.data.fingertips", "main"))
    c = dsub.add_parser("check", help="validate every dataset in the data root and print a table")
    c.add_argument("--data-root", default=None)
    c.set_defaults(run=_lazy("thanalysis.data.check", "main"))
    m = dsub.add_parser("demo", help="write the seeded synthetic demo borough")
    m.add_argument("--out", default=None, help="folder (default data/cache/demo)")
    m.add_argument("--seed", type=int, default=None, help="random seed (default: the project's fixed seed)")
    m.set_defaults(run=_lazy("thanalysis.data.demo.write", "main"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except ThanalysisError as exc:
        print(f"thanalysis: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("thanalysis: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
