"""Record and compare the outputs of a built site, to prove a change leaves them as they were.

    python scripts/compare_outputs.py record reports/ > before.json
    python scripts/compare_outputs.py compare before.json reports/

``record`` prints, for every report folder of a built site, the SHA-256 of each ``results/*.csv`` and
``summary.json`` and of each HTML page after blanking what changes from one build to the next (the build
time, the git commit and the package version derived from it, the checksums of the manifest that name
them). ``compare`` rebuilds that record for a site and lists every file that differs, is new or is
missing; it exits 1 if there is any difference.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

# What may differ between two builds of the same code and data: times, the commit, the version derived from it.
_VOLATILE = [
    re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?"),
    re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}(?::\d{2})?(?: UTC)?"),
    re.compile(r"\b\d{1,2} [A-Z][a-z]+ \d{4}(?:,? \d{2}:\d{2}(?: UTC)?)?"),
    re.compile(r"\b[0-9a-f]{40}\b"),
    re.compile(r"\b[0-9a-f]{7,12}\b(?=(?:</code>|\)|\s*\(|-dirty| ))"),
    re.compile(r"\d+\.\d+\.\d+(?:\.dev\d+)?\+g[0-9a-f]+(?:\.d\d+)?"),
    re.compile(r"-dirty"),
]


def _normalise_html(text: str) -> str:
    for pattern in _VOLATILE:
        text = pattern.sub("~", text)
    return text


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def record(site: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for path in sorted(site.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(site).as_posix()
        if path.suffix == ".csv" and "/results/" in f"/{rel}" or path.name == "summary.json":
            out[rel] = _sha(path.read_bytes())
        elif path.suffix == ".html":
            out[rel] = _sha(_normalise_html(path.read_text(encoding="utf-8")).encode("utf-8"))
    return out


def compare(before: dict[str, str], after: dict[str, str]) -> list[str]:
    problems = []
    for rel in sorted(set(before) | set(after)):
        if rel not in after:
            problems.append(f"missing: {rel}")
        elif rel not in before:
            problems.append(f"new:     {rel}")
        elif before[rel] != after[rel]:
            problems.append(f"differs: {rel}")
    return problems


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "record":
        json.dump(record(Path(argv[1])), sys.stdout, indent=1, sort_keys=True)
        print()
        return 0
    if len(argv) == 3 and argv[0] == "compare":
        before = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
        after = record(Path(argv[2]))
        problems = compare(before, after)
        kinds = {"csv": 0, "json": 0, "html": 0}
        for rel in before:
            kinds[rel.rsplit(".", 1)[-1]] = kinds.get(rel.rsplit(".", 1)[-1], 0) + 1
        print(f"compared {len(before)} recorded files ({kinds['csv']} CSV, {kinds['json']} summary.json, "
              f"{kinds['html']} HTML) with {len(after)} built ones")
        for line in problems:
            print(line)
        print("identical" if not problems else f"{len(problems)} difference(s)")
        return 1 if problems else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
