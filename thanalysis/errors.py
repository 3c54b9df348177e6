"""Errors written for people: they name the file, the column, the first offending rows and what was expected."""
from __future__ import annotations

from typing import Iterable, Sequence


class ThanalysisError(Exception):
    """Base class for every error this package raises on purpose."""


class DataError(ThanalysisError, ValueError):
    """Bad input data.

    The message always says where (``file``), which ``column``, the first offending ``rows``
    (1-based data rows as a person counts them in the file: row 1 is the first row after the header)
    and what was ``expected``.
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

    def _format(self) -> str:
        parts = [self.problem]
        if self.file:
            parts.append(f"  file: {self.file}")
        if self.column:
            parts.append(f"  column: {self.column}")
        if self.rows:
            shown = ", ".join(str(r) for r in self.rows[:10])
            more = f" (and {len(self.rows) - 10} more)" if len(self.rows) > 10 else ""
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
    """1-based row numbers (as counted in the file after its header) where ``mask`` is true."""
    return [i + offset for i, flag in enumerate(mask) if bool(flag)]
