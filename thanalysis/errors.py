"""Errors written for people: they name the file, the column, the first offending rows and what was expected."""
from __future__ import annotations

from typing import Iterable, Sequence


#: File name endings of text tables, whose data rows :class:`DataError` shows as line numbers.
TEXT_TABLE_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".txt")


def is_text_table(file: str | None) -> bool:
    """Whether ``file`` names a text table (CSV), whose rows a person finds by line number."""
    return bool(file) and str(file).lower().endswith(TEXT_TABLE_SUFFIXES)


class ThanalysisError(Exception):
    """Base class for every error this package raises on purpose."""


class DataError(ThanalysisError, ValueError):
    """Bad input data.

    The message always says where (``file``), which ``column``, the first offending ``rows``
    and what was ``expected``.

    ``rows`` are *data rows* of the file, counted from 1 under the header (row 1 is the first row after the
    header) and numbered as in the file whatever rows were filtered out before the check. When the error names
    a text ``file`` (CSV), the message gives them as the file's **line numbers**, as a person opens the file in
    an editor or a spreadsheet: the header is line 1, so data row N is line N + 1 (``lines: 2, 5``; see
    :attr:`lines`; :func:`thanalysis.data.readers.read_csv` numbers its rows so that this holds also across
    blank lines and values that span lines). Without a file (a table in memory) or for other kinds of file
    (boundaries), the message gives 1-based positions in the table (``rows: 1, 4``).
    """

    def __init__(
        self,
        problem: str,
        *,
        file: str | None = None,
        column: str | None = None,
        rows: Sequence[int] | None = None,
        values: Sequence[object] | None = None,
        expected: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.problem = problem
        self.file = file
        self.column = column
        self.rows = list(rows) if rows is not None else None
        self.values = list(values) if values is not None else None
        self.expected = expected
        self.hint = hint
        super().__init__(self._format())

    @property
    def lines(self) -> list[int] | None:
        """The file's line numbers of :attr:`rows` (the header is line 1), or ``None`` when the error names no
        text file: only then are the rows lines of a file a person can open."""
        if not self.rows or not is_text_table(self.file):
            return None
        return [r + 1 for r in self.rows]

    def _format(self) -> str:
        parts = [self.problem]
        if self.file:
            parts.append(f"  file: {self.file}")
        if self.column:
            parts.append(f"  column: {self.column}")
        if self.rows:
            lines = self.lines
            numbers = lines if lines is not None else self.rows
            shown = ", ".join(str(r) for r in numbers[:10])
            more = f" (and {len(numbers) - 10} more)" if len(numbers) > 10 else ""
            if lines is not None:
                parts.append(f"  lines: {shown}{more} (as numbered in the file: line 1 is the header)")
            else:
                parts.append(f"  rows: {shown}{more}")
        if self.values:
            shown = ", ".join(repr(v) for v in self.values[:10])
            parts.append(f"  values: {shown}")
        if self.expected:
            parts.append(f"  expected: {self.expected}")
        if self.hint:
            parts.append(f"  hint: {self.hint}")
        return "\n".join(parts)


class StatsInputError(ThanalysisError, ValueError):
    """Bad input to a statistical function (negative counts, count above denominator, ...)."""


class ConfigError(ThanalysisError, ValueError):
    """A project configuration file (plan, priorities, sources) is invalid."""


class BuildError(ThanalysisError, RuntimeError):
    """A report build failed; the message names the notebook and the failing cell."""


def first_rows(mask: Iterable[bool], offset: int = 1) -> list[int]:
    """1-based row numbers where ``mask`` is true (data rows: row 1 is the first row of the table)."""
    return [i + offset for i, flag in enumerate(mask) if bool(flag)]
