"""The one error type every reader raises on bad input.

A police analyst meeting a bad file needs three things: *which* file, *where* in it
(row or column), and *what to do*. ``DataError`` carries exactly those, so the CLI can
print one ``error:`` line and the GUI can show one dialog, never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["DataError", "SETTING_WORDS"]

#: the engine's own words for each setting or layer a DataError can name
SETTING_WORDS = {
    "boundaries": "LSOA boundaries", "crimes": "crime files", "imd": "deprivation layer", "pubs": "pubs layer",
    "streetsafe": "StreetSafe layer", "population": "population layer", "harm_weights": "harm weights",
    "lsoa_lookup": "LSOA 2011-2021 lookup",
    "measure": "measure", "weights": "spatial weights", "permutations": "permutations", "seed": "seed",
    "alpha": "alpha", "fdr": "false discovery rate", "draws": "permutation draws", "months": "months",
    "month_from": "first month", "month_to": "last month", "crime_types": "crime types",
    "zone_rule": "zone rule", "n_jobs": "threads", "out": "output folder", "filters": "crime types and months",
    "evidence_area": "evidence area", "heat": "heat map",
    "cell": "cell size", "spots": "number of patrol spots", "train_from": "first training month",
    "train_to": "last training month", "test_from": "first test month", "test_to": "last test month",
    "split": "training and test months",
    "rolling": "rolling window (months before each test month)",
    "rolling_start": "rolling window and first test month", "test_range": "test months",
}


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
    setting : the engine's name of the setting or layer at fault when it is not a file
        ("measure", "months", "population", ...); each front end names it in its own words
        (the CLI its flag, the GUI its field or menu) through :meth:`describe`
    """

    file: str | Path | None
    message: str
    hint: str = ""
    row: int | None = None
    column: str | None = None
    setting: str | None = None

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        return self.describe()

    def describe(self, names: dict[str, str] | None = None) -> str:
        """The one-line message, with the setting named from ``names`` (default: the engine's words)."""
        where = []
        if self.setting is not None and self.file is None:
            where.append((names or SETTING_WORDS).get(self.setting, SETTING_WORDS.get(self.setting, self.setting)))
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


__all__ += ["disk_error"]

def disk_error(folder: str | Path, exc: OSError, *, what: str = "writing", needed: int | None = None) -> DataError:
    """A DataError for a file-system condition the user can fix (full disk, permissions, gone).

    ``needed`` (bytes) is said when known, with the space free now, so the analyst knows how
    much to clear rather than just that something failed.
    """
    import errno
    import shutil

    code = getattr(exc, "errno", None)
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        try:
            free = shutil.disk_usage(folder if Path(folder).is_dir() else Path(folder).parent).free
        except OSError:
            free = None
        need = f"about {_size(needed)} is needed" if needed else "more space is needed"
        have = f", {_size(free)} is free" if free is not None else ""
        return DataError(folder, f"the disk is full while {what} ({need}{have})",
                         hint="free some space on that drive or choose a folder on another drive")
    if code in (errno.EACCES, errno.EPERM, errno.EROFS):
        return DataError(folder, f"permission denied while {what}", hint="choose a folder you can write to")
    if code == errno.ENOENT:
        return DataError(getattr(exc, "filename", None) or folder, f"the file disappeared while {what}",
                         hint="check the file is still there (and not being moved or synced) and run again")
    return DataError(folder, f"cannot finish {what} ({exc.strerror or exc})",
                     hint="check the drive and the path, then run again")


def _size(n: int | None) -> str:
    if n is None:
        return "?"
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"
