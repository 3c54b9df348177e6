"""Write environment.yml (for conda users) from uv.lock, so both pin the same versions.

Run after `uv lock`:  .venv/bin/python scripts/write_environment.py
tests/test_environment.py checks the two agree.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def exported_pins() -> list[str]:
    uv = ROOT / ".venv" / "bin" / "uv"
    out = subprocess.run(
        [str(uv), "export", "--frozen", "--extra", "test", "--no-hashes", "--no-emit-project",
         "--no-header", "--no-annotate"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout
    pins = []
    for line in out.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        pins.append(line.split(";")[0].strip())
    return sorted(pins, key=str.lower)


def main() -> int:
    pins = exported_pins()
    lines = [
        "# Conda environment for thanalysis. Generated from uv.lock by scripts/write_environment.py;",
        "# do not edit by hand (tests/test_environment.py checks it agrees with the lock).",
        "# conda env create -f environment.yml && conda activate thanalysis && pip install --no-deps -e .",
        "name: thanalysis",
        "channels:",
        "  - conda-forge",
        "dependencies:",
        "  - python=3.11",
        "  - pip",
        "  - pip:",
        *[f"      - {p}" for p in pins],
        "",
    ]
    (ROOT / "environment.yml").write_text("\n".join(lines))
    print(f"environment.yml: {len(pins)} pinned packages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
