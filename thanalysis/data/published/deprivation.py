"""IoD2019 supplementary indices, IDACI and IDAOPI, for every LSOA 2011 in England (MHCLG File 3).

``imd2019/supplementary/File_3_-_IoD2019_Supplementary_Indices_-_IDACI_and_IDAOPI.csv``: one row per LSOA 2011
(32,844), with the IMD, the Income Deprivation Affecting Children Index (IDACI) and the Income Deprivation Affecting
Older People Index (IDAOPI), each as a rank (1 = most deprived; equal scores share a rank) and a decile (1 = the most
deprived 10% of LSOAs). **File 3 has no scores** (they are in IoD2019 File 5 or 7, which the data root does not
hold), so no ``idaci_score`` or ``idaopi_score`` is given: ranks and deciles are what a user can choose.

Two shapes, like the IMD deciles in :mod:`thanalysis.data.real`:

- :func:`read`: canonical values ``imd2019_idaci_rank``, ``imd2019_idaci_decile``, ``imd2019_idaopi_rank`` and
  ``imd2019_idaopi_decile`` (area type ``lsoa11``, period "2019", value as published, no intervals), indicators with
  the same value type, unit and polarity as ``imd2019_rank``/``imd2019_decile`` in ``data/sources.yml``;
- :func:`table`: one row per LSOA: ``lsoa11, lad19, idaci_rank, idaci_decile, idaopi_rank, idaopi_decile``
  (``lad19`` is the 2019 local authority), the columns an analysis joins on to group LSOAs by these deciles.

Checks: LSOA codes E01 and unique; ranks whole numbers from 1 to 32,844; each decile the one its rank falls in
(decile d holds ranks above (d - 1) × 3,284.4 and up to d × 3,284.4), so a shifted or mislabelled column is caught.
Ranks written with thousands separators ("29,199") and a byte-order mark are read as numbers.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from thanalysis.data.published.periods import data_rows
from thanalysis.data.published.series import PublishedSeries, finish, indicator_table, read_table, require_codes
from thanalysis.errors import DataError

FOLDER = "imd2019/supplementary"
FILE = f"{FOLDER}/File_3_-_IoD2019_Supplementary_Indices_-_IDACI_and_IDAOPI.csv"
SOURCE = "Ministry of Housing, Communities and Local Government, English Indices of Deprivation 2019 (File 3)"
LICENCE = "Open Government Licence v3.0"
PERIOD, FREQUENCY = "2019", "irregular (about every 4 years)"
#: LSOAs 2011 in England: the ranks run from 1 to this.
N_LSOA11 = 32_844
CODE, LAD = "LSOA code (2011)", "Local Authority District code (2019)"
#: Short name → (rank column, decile column) as headed in File 3.
INDICES = {
    "idaci": ("Income Deprivation Affecting Children Index (IDACI) Rank (where 1 is most deprived)",
              "Income Deprivation Affecting Children Index (IDACI) Decile (where 1 is most deprived 10% of LSOAs)"),
    "idaopi": ("Income Deprivation Affecting Older People (IDAOPI) Rank (where 1 is most deprived)",
               "Income Deprivation Affecting Older People (IDAOPI) Decile (where 1 is most deprived 10% of LSOAs)"),
}
NAMES = {"idaci": "IDACI 2019 (income deprivation affecting children)",
         "idaopi": "IDAOPI 2019 (income deprivation affecting older people)"}
#: (indicator_id, name, value_type, multiplier, unit, polarity, frequency), as for imd2019_rank and imd2019_decile.
INDICATORS = tuple(row for short in INDICES for row in (
    (f"imd2019_{short}_rank", f"{NAMES[short]} rank (1 = most deprived of {N_LSOA11:,})", "other", 1, "rank",
     "higher_is_better", FREQUENCY),
    (f"imd2019_{short}_decile", f"{NAMES[short]} decile (1 = most deprived 10%)", "other", 1, "decile",
     "higher_is_better", FREQUENCY)))
TABLE_COLUMNS = ["lsoa11", "lad19", "idaci_rank", "idaci_decile", "idaopi_rank", "idaopi_decile"]


def expected_decile(rank: np.ndarray, n: int = N_LSOA11) -> np.ndarray:
    """The decile a rank falls in: ceil(10 × rank / n) (1 = the most deprived tenth)."""
    return np.ceil(10 * np.asarray(rank, dtype=float) / n)


def _check(t: pd.DataFrame) -> None:
    require_codes(t, CODE, r"E01\d{6}", file=FILE, what="LSOA 2011", example="E01004197 (LSOAs 2011 in England)")
    for rank_col, decile_col in INDICES.values():
        rank, decile = t[rank_col].to_numpy(), t[decile_col].to_numpy()
        with np.errstate(invalid="ignore"):
            bad = ~((rank >= 1) & (rank <= N_LSOA11) & (np.mod(rank, 1) == 0))
        if bad.any():
            raise DataError(f"Column {rank_col} has values that are not ranks.", file=FILE, column=rank_col,
                            rows=data_rows(t.index[bad]), values=t.loc[bad, rank_col].head(5).tolist(),
                            expected=f"whole numbers from 1 to {N_LSOA11:,} in every row")
        bad = decile != expected_decile(rank)
        if bad.any():
            raise DataError(f"Column {decile_col} does not match the ranks.", file=FILE, column=decile_col,
                            rows=data_rows(t.index[bad]),
                            values=[f"rank {r:g}, decile {d:g}" for r, d in zip(rank[bad][:5], decile[bad][:5])],
                            expected=f"the decile of each rank: ceil(10 × rank / {N_LSOA11:,}), e.g. rank 3,285 → 2")


def _read(root: Path) -> pd.DataFrame:
    numeric = [c for pair in INDICES.values() for c in pair]
    t = read_table(root, FILE, text=[CODE, LAD], numeric=numeric)
    _check(t)
    return t


def table(root: Path) -> pd.DataFrame:
    """One row per LSOA 2011: ``lsoa11, lad19, idaci_rank, idaci_decile, idaopi_rank, idaopi_decile`` (checked)."""
    t = _read(Path(root))
    out = pd.DataFrame({"lsoa11": t[CODE].str.strip().to_numpy(), "lad19": t[LAD].str.strip().to_numpy()})
    for short, (rank_col, decile_col) in INDICES.items():
        out[f"{short}_rank"] = t[rank_col].astype(int).to_numpy()
        out[f"{short}_decile"] = t[decile_col].astype(int).to_numpy()
    return out[TABLE_COLUMNS]


def read(root: Path) -> PublishedSeries:
    """IDACI and IDAOPI ranks and deciles as validated canonical values (lsoa11, period 2019)."""
    root = Path(root)
    t = _read(root)
    codes = t[CODE].str.strip().to_numpy(dtype=object)
    frames = []
    for short, (rank_col, decile_col) in INDICES.items():
        for kind, col in (("rank", rank_col), ("decile", decile_col)):
            frames.append(pd.DataFrame({"indicator_id": f"imd2019_{short}_{kind}", "area_code": codes,
                                        "area_type": "lsoa11", "period": PERIOD, "value": t[col].to_numpy()}))
    return finish(frames, indicators(root), root=root, folder=FOLDER, files=[FILE], source=FILE)


def indicators(root: Path | None = None) -> pd.DataFrame:
    """The indicators of :func:`read` (from :data:`INDICATORS`; no file is read)."""
    return indicator_table(INDICATORS, source=SOURCE, licence=LICENCE, file=f"{FILE} (indicator definitions)")


__all__ = ["read", "indicators", "table", "expected_decile", "INDICATORS", "INDICES", "TABLE_COLUMNS", "FILE", "FOLDER",
           "N_LSOA11"]
