"""Where the crime CSVs come from: files, folders and zips, each opened once and read safely.

A police.uk download reaches us in every shape an analyst can make of it: the bulk zip, the
zip unpacked beside itself, a folder added twice, a zip zipped again, thousands of one-force
months in one archive. This module turns them into a list of :class:`Source` (one CSV each)
and guards the three ways an archive can hurt the run:

- **size**: members are checked against their declared sizes before a byte is inflated (a
  zip bomb of 18 MB can declare 5 GiB of one repeated row), and ``zipfile`` never yields
  more than the declared size, so the check is a bound, not a hope;
- **memory**: a member larger than :data:`SPOOL_BYTES` is streamed to a temporary file and
  read from there, never held whole in memory;
- **time**: each archive is opened once (its central directory parsed once) and every member
  read through that handle; police.uk multi-force archives hold thousands of members.

Members are addressed by their ``ZipInfo`` entry, not by name: a zip can hold two entries of
the same name (two halves of a month appended by a tool), and ``zf.read(name)`` would return
the second one twice.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from .errors import DataError

__all__ = ["Source", "ArchiveSet", "SPOOL_BYTES", "MAX_MEMBER_BYTES", "MAX_TOTAL_BYTES", "MAX_RATIO",
           "MAX_DEPTH", "zip_error"]

#: members up to this size are read into memory; larger ones go through a temporary file
SPOOL_BYTES = 64 << 20
#: no police.uk street CSV comes near this (the Met's largest month is ~30 MB)
MAX_MEMBER_BYTES = 4 << 30
#: all the CSVs selected from archives together (a decade of England and Wales is ~20 GB)
MAX_TOTAL_BYTES = 32 << 30
#: police.uk CSVs deflate about 5-10:1 (Crime IDs are random hex); one repeated row ~1000:1
MAX_RATIO = 100
#: ratios are only judged above this size: tiny members (a one-row month) compress oddly
RATIO_FLOOR = 16 << 20
#: a zip inside a zip inside a zip is as deep as a real download gets (and a quine stops here)
MAX_DEPTH = 3

_ENCRYPTED = 0x1


@dataclass
class Source:
    """One crime CSV to read: a file on disk or a member of an (already open) zip."""

    name: str  #: display name: the path, or ``archive!member``
    size: int  #: bytes (uncompressed for a member)
    basename: str  #: the file name without folders, lower case (recognises a month twice)
    path: Path | None = None  #: the file on disk, when it is one
    archive: str | None = None  #: display name of the zip holding it
    member: str | None = None  #: the member's name inside ``archive``
    identity: tuple = ()  #: the same file reached twice (a folder added again) has the same identity
    digest: bytes | None = None  #: SHA-256 of the content, once computed (see _crime_repeats)
    _info: zipfile.ZipInfo | None = None
    _zip: zipfile.ZipFile | None = None

    @contextlib.contextmanager
    def materialised(self) -> Iterator[bytes | str]:
        """The CSV as bytes (small members) or a path (files; large members spooled to disk)."""
        if self.path is not None:
            yield str(self.path)
            return
        assert self._zip is not None and self._info is not None
        if self.size <= SPOOL_BYTES:
            with self.open() as fh:
                data = fh.read()
            yield data
            return
        fd, tmp = tempfile.mkstemp(prefix=".hotspots-member.", suffix=".csv")
        try:
            with os.fdopen(fd, "wb") as out, self.open() as fh:
                _copy(fh, out, self.name)
            yield tmp
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)

    def open(self) -> IO[bytes]:
        """A fresh binary stream of the CSV (read errors become :class:`DataError`)."""
        if self.path is not None:
            return self.path.open("rb")
        assert self._zip is not None and self._info is not None
        return _GuardedStream(self._zip, self._info, self.name)


class _GuardedStream:
    """A zip member stream whose damage (CRC, truncation, bad deflate data) is a DataError."""

    def __init__(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> None:
        self._name = name
        try:
            self._fh = zf.open(info)
        except Exception as exc:  # noqa: BLE001 - every zipfile failure is the file's fault
            raise zip_error(name, exc) from None

    def read(self, n: int = -1) -> bytes:
        try:
            return self._fh.read(n)
        except Exception as exc:  # noqa: BLE001
            raise zip_error(self._name, exc) from None

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> _GuardedStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _copy(src: IO[bytes] | _GuardedStream, dst: IO[bytes], name: str) -> None:
    try:
        while chunk := src.read(1 << 20):
            dst.write(chunk)
    except OSError as exc:
        from .errors import disk_error

        raise disk_error(tempfile.gettempdir(), exc, what=f"unpacking {name}") from None


def zip_error(name: str, exc: BaseException) -> DataError:
    """The DataError for a zip (or member) that ``zipfile`` cannot read, in the user's terms."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if isinstance(exc, RuntimeError) and "encrypt" in text.lower() or "password" in text.lower():
        return DataError(name, "the zip is password-protected",
                         hint="unzip it with its password and pass the CSVs (or their folder)")
    if isinstance(exc, NotImplementedError):
        return DataError(name, f"the zip uses a compression method this tool cannot read ({text})",
                         hint="unzip it with your archive tool and pass the CSVs (or their folder)")
    if isinstance(exc, OSError) and not isinstance(exc, zipfile.BadZipFile):
        from .errors import disk_error

        return disk_error(name, exc, what="reading")
    return DataError(name, f"the zip is damaged ({text})", hint="download it again from data.police.uk")


class ArchiveSet:
    """Every zip opened while collecting one study's crimes; closed together at the end.

    Keeping each archive open for the whole read is what makes thousands of members cheap:
    the central directory is parsed once, not once per member. Byte totals are kept across
    archives so a bomb split over many members or nested zips is bounded too.
    """

    def __init__(self) -> None:
        self._stack = contextlib.ExitStack()
        self.total_bytes = 0
        self.total_compressed = 0

    def __enter__(self) -> ArchiveSet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._stack.close()

    def open_zip(self, path: Path) -> zipfile.ZipFile:
        try:
            return self._stack.enter_context(zipfile.ZipFile(path))
        except zipfile.BadZipFile:
            raise DataError(path, "not a readable zip file", hint="download it again from data.police.uk") from None
        except OSError as exc:
            from .errors import disk_error

            raise disk_error(path, exc, what="opening") from None
        except Exception as exc:  # noqa: BLE001 - a damaged directory raises several types
            raise zip_error(str(path), exc) from None

    def members(self, display: str, zf: zipfile.ZipFile, *, depth: int = 1,
                street_only: Callable[[list[str]], list[str]]) -> list[Source]:
        """The crime CSVs of an open zip (and of the zips it holds), checked against the bounds."""
        if depth > MAX_DEPTH:
            raise DataError(display, f"zips nested more than {MAX_DEPTH} deep",
                            hint="unzip the download and pass the CSVs (or their folder)")
        try:
            infos = [i for i in zf.infolist() if not i.is_dir() and not Path(i.filename).name.startswith("._")]
        except Exception as exc:  # noqa: BLE001
            raise zip_error(display, exc) from None
        csvs = [i for i in infos if i.filename.lower().endswith(".csv")]
        chosen_names = set(street_only([i.filename for i in csvs]))
        out: list[Source] = []
        for k, info in enumerate(infos):
            lower = info.filename.lower()
            if lower.endswith(".csv") and info.filename in chosen_names:
                self._check(display, info)
                out.append(Source(name=f"{display}!{info.filename}", size=info.file_size,
                                  basename=Path(info.filename).name.lower(), archive=display,
                                  member=info.filename, identity=(display, k, info.header_offset),
                                  _info=info, _zip=zf))
            elif lower.endswith(".zip"):
                self._check(display, info)
                inner_name = f"{display}!{info.filename}"
                inner = self._spool(inner_name, zf, info)
                try:
                    inner_zf = self._stack.enter_context(zipfile.ZipFile(inner))
                except zipfile.BadZipFile:
                    raise DataError(inner_name, "the zip inside the zip is not readable",
                                    hint="download it again from data.police.uk") from None
                out += self.members(inner_name, inner_zf, depth=depth + 1, street_only=street_only)
        return out

    def _check(self, display: str, info: zipfile.ZipInfo) -> None:
        name = f"{display}!{info.filename}"
        if info.flag_bits & _ENCRYPTED:
            raise DataError(name, "the zip is password-protected",
                            hint="unzip it with its password and pass the CSVs (or their folder)")
        size, packed = int(info.file_size), max(int(info.compress_size), 1)
        if size > MAX_MEMBER_BYTES:
            raise DataError(name, f"the member unpacks to {_gib(size)}, far beyond any police.uk file "
                                  f"(limit {_gib(MAX_MEMBER_BYTES)}); refused as a likely zip bomb",
                            hint="check where the zip came from; download the months again from data.police.uk")
        if size > RATIO_FLOOR and size > MAX_RATIO * packed:
            raise DataError(name, f"the member unpacks {size / packed:,.0f} times its packed size "
                                  f"({_gib(packed)} to {_gib(size)}; police.uk CSVs pack about 5-10 times); "
                                  "refused as a likely zip bomb",
                            hint="check where the zip came from; download the months again from data.police.uk")
        self.total_bytes += size
        self.total_compressed += packed
        if self.total_bytes > MAX_TOTAL_BYTES:
            raise DataError(display, f"the crime archives unpack to more than {_gib(MAX_TOTAL_BYTES)}; "
                                     "refused (a zip bomb, or far more data than one study can hold)",
                            hint="pass the months and forces you need (or check where the zip came from)")
        if self.total_bytes > 16 * RATIO_FLOOR and self.total_bytes > MAX_RATIO * self.total_compressed:
            raise DataError(display, f"the archive's members unpack {self.total_bytes / self.total_compressed:,.0f} "
                                     "times their packed size; refused as a likely zip bomb",
                            hint="check where the zip came from; download the months again from data.police.uk")

    def _spool(self, name: str, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> IO[bytes]:
        """A zip held in a zip, unpacked into a temporary file (deleted when the set closes)."""
        tmp = self._stack.enter_context(tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES))  # noqa: SIM115
        with _GuardedStream(zf, info, name) as fh:
            _copy(fh, tmp, name)  # type: ignore[arg-type]
        tmp.seek(0)
        return tmp  # type: ignore[return-value]


def _gib(n: int) -> str:
    return f"{n / (1 << 30):.1f} GiB" if n >= 1 << 30 else f"{n / (1 << 20):.1f} MiB"

