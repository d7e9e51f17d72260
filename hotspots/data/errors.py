"""The one error type every reader raises on bad input.

A police analyst meeting a bad file needs three things: *which* file, *where* in it
(row or column), and *what to do*. ``DataError`` carries exactly those, so the CLI can
print one ``error:`` line and the GUI can show one dialog, never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["DataError"]


@dataclass
class DataError(Exception):
    """Bad input that the user can fix.

    Parameters
    ----------
    file : path of the offending input (or a short description such as ``--from``)
    message : what is wrong, in plain words
    hint : how to fix it
    row : 1-based line number in the file, where known (the header is line 1)
    column : the column name, where known
    """

    file: str | Path | None
    message: str
    hint: str = ""
    row: int | None = None
    column: str | None = None

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        where = []
        if self.file is not None:
            where.append(str(self.file))
        if self.row is not None:
            where.append(f"line {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        text = (": ".join([", ".join(where), self.message]) if where else self.message)
        if self.hint:
            text += f" (fix: {self.hint})"
        return text
