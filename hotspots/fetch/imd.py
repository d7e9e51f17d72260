"""The English Indices of Deprivation from GOV.UK: IMD 2019 Files 1 and 6, IoD 2025 File 7.

The files are fetched as MHCLG publishes them (the readers already accept those: File 1 for
the IMD decile on 2011 LSOAs, File 6 for the 2015 population that weights the 2011-2021 LSOA
lookup and ``--measure rate``, IoD 2025 File 7 with scores, ranks, deciles and populations on
2021 LSOAs). Each download is read back with the project's own reader before it is kept, so a
captive-portal page or a half file is refused with a clear error rather than left behind.

``HOTSPOTS_IMD_URL`` (or ``--imd-url``) names a mirror folder holding the files under their
published names; without it the GOV.UK asset addresses below are used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..data.errors import DataError
from ..export.atomic import write_bytes_atomic
from ..progress import CancelFn, Cancelled, ProgressFn
from .http import HttpClient

__all__ = ["IMD_ENV", "DATASETS", "RELEASES", "ImdFile", "fetch_imd"]

IMD_ENV = "HOTSPOTS_IMD_URL"
_ASSETS = "https://assets.publishing.service.gov.uk"


@dataclass(frozen=True)
class ImdFile:
    """One MHCLG file: its published name, GOV.UK address and which reader checks it."""

    key: str
    filename: str
    url: str
    reader: str  # "deprivation" or "population"


DATASETS: dict[str, ImdFile] = {
    "imd2019_file1": ImdFile("imd2019_file1", "File_1_-_IMD2019_Index_of_Multiple_Deprivation.xlsx",
                             f"{_ASSETS}/government/uploads/system/uploads/attachment_data/file/833970/"
                             "File_1_-_IMD2019_Index_of_Multiple_Deprivation.xlsx", "deprivation"),
    "imd2019_file6": ImdFile("imd2019_file6", "File_6_-_IoD2019_Population_Denominators.xlsx",
                             f"{_ASSETS}/government/uploads/system/uploads/attachment_data/file/833980/"
                             "File_6_-_IoD2019_Population_Denominators.xlsx", "population"),
    "iod2025_file7": ImdFile("iod2025_file7", "File_7_IoD2025_All_Ranks_Scores_Deciles_Population_Denominators.csv",
                             f"{_ASSETS}/media/68ff5daabcb10f6bf9bef911/"
                             "File_7_IoD2025_All_Ranks_Scores_Deciles_Population_Denominators.csv", "deprivation"),
}
#: what ``--release`` selects
RELEASES: dict[str, tuple[str, ...]] = {
    "imd2019": ("imd2019_file1", "imd2019_file6"),
    "iod2025": ("iod2025_file7",),
    "all": ("imd2019_file1", "imd2019_file6", "iod2025_file7"),
}


def _url(item: ImdFile, mirror: str | None) -> str:
    import os

    base = mirror or os.environ.get(IMD_ENV)
    return f"{base.rstrip('/')}/{item.filename}" if base else item.url


def _check(path: Path, item: ImdFile) -> None:
    """Read the download with the project's reader; a file it refuses is not kept."""
    if item.reader == "population":
        from ..data.population import read_population

        read_population(path)
    else:
        from ..data.deprivation import read_deprivation

        read_deprivation(path)


def fetch_imd(
    out: str | Path,
    *,
    release: str | Sequence[str] = "imd2019",
    imd_url: str | None = None,
    client: HttpClient | None = None,
    timeout: float = 300.0,
    max_bytes: int | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> list[Path]:
    """Download the files of ``release`` into ``out`` (skipping those already there and readable).

    Returns the paths of the files, checked by the readers.
    """
    keys: list[str] = []
    for r in [release] if isinstance(release, str) else list(release):
        if r not in RELEASES:
            raise DataError("--release", f"unknown release '{r}'", hint=f"use one of {', '.join(RELEASES)}")
        keys += [k for k in RELEASES[r] if k not in keys]
    client = client or HttpClient(service="the GOV.UK deprivation files", env_var=IMD_ENV, cancel=cancel,
                                  timeout=timeout, **({"max_bytes": max_bytes} if max_bytes else {}))
    out = Path(out)
    written = []
    for i, key in enumerate(keys):
        if cancel and cancel():
            raise Cancelled()
        item = DATASETS[key]
        target = out / item.filename
        if progress:
            progress(f"Deprivation: {item.filename}", i / len(keys))
        if target.exists():
            try:
                _check(target, item)
                written.append(target)
                continue
            except DataError:
                pass  # damaged: fetch again
        url = _url(item, imd_url)
        client.service = f"the deprivation file at {url}"
        data = client.get_bytes(url)
        tmp = target.with_name(f".part-{target.name}")  # same suffix: the reader goes by it
        write_bytes_atomic(tmp, data)
        try:
            _check(tmp, item)
        except DataError as exc:
            tmp.unlink(missing_ok=True)
            raise DataError(url, f"the download is not a readable {item.filename} ({exc.message})",
                            hint=f"check {IMD_ENV} / --imd-url, or download the file by hand from GOV.UK") from None
        tmp.replace(target)
        written.append(target)
    if progress:
        progress("Deprivation files ready", 1.0)
    return written
