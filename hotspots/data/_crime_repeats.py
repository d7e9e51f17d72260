"""The same month of the same force arriving twice: recognised, read once, and said.

A police.uk download unpacked beside its zip puts every month in one folder twice (the CSVs
and the zip); a folder added again in the GUI, or a file passed twice on the command line,
does the same. Crime IDs would catch the repeated crimes, but anti-social behaviour rows
carry no Crime ID, so every ASB incident would count twice and the hot spots would move.
Three signs mark a repeat, cheapest first:

- the same file reached twice (the same path, or the same entry of the same zip);
- the same police.uk month file name (``2021-01-kent-street.csv``: month and force) from two
  places, or any CSV on disk and a zip member of the same name (a zip unpacked beside
  itself); the first is read, and a difference in content is said, not hidden;
- identical content (SHA-256), hashed only when two sources have the same size.

Two entries of the *same name in the same zip* are the exception: a tool that appends to a
zip writes a month in two halves that way. Both are read (and said) unless their content is
identical, when one is.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass

from ._crime_sources import Source

__all__ = ["Repeats", "Repeat", "REASON", "report_repeats", "likely_read"]

#: LoadReport drop reason for the rows of a repeated file
REASON = "same month read twice (repeated file)"

_POLICE_UK = re.compile(r"\d{4}-\d{2}-[a-z0-9-]+-street\.csv")


@dataclass
class Repeat:
    """A source recognised as a repeat of one already read."""

    source: Source
    kept: Source
    why: str  #: "same file", "identical content" or "same file name"
    identical: bool  #: content known to be the same (its rows need not be parsed to be counted)

    def to_dict(self) -> dict[str, str]:
        return {"file": self.source.name, "same_as": self.kept.name, "reason": self.why}


class Repeats:
    """Remembers the sources read so far and recognises repeats among the ones still to come."""

    def __init__(self, sources: list[Source]) -> None:
        self._size_count = Counter(s.size for s in sources)
        self._by_identity: dict[tuple, Source] = {}
        self._by_name: dict[str, Source] = {}
        self._by_digest: dict[tuple[int, bytes], Source] = {}
        self._rows: dict[int, int] = {}
        self.found: list[Repeat] = []
        self.halves: list[tuple[Source, Source]] = []

    def before_reading(self, src: Source) -> Repeat | None:
        """A repeat recognised without reading the content (same file, or same month file name)."""
        kept = self._by_identity.get(src.identity)
        if kept is not None:
            return Repeat(src, kept, "same file", identical=True)
        kept = self._by_name.get(src.basename)
        if kept is None:
            return None
        same_zip_entry = kept.archive is not None and kept.archive == src.archive and kept.member == src.member
        if same_zip_entry:
            return None  # two entries of one name in one zip: halves, unless identical (below)
        disk_and_zip = (kept.path is None) != (src.path is None)
        if _POLICE_UK.fullmatch(src.basename) or disk_and_zip:
            return Repeat(src, kept, "same file name", identical=False)
        return None

    def hashes(self, src: Source) -> bool:
        """Whether :meth:`after_reading` needs ``src``'s content (another source has its size)."""
        return self._size_count[src.size] >= 2

    def after_reading(self, src: Source, data: bytes | str) -> Repeat | None:
        """A repeat recognised by identical content (hashed only when another source has its size)."""
        if not self.hashes(src):
            return None
        src.digest = _digest(data)
        kept = self._by_digest.get((src.size, src.digest))
        if kept is not None:
            return Repeat(src, kept, "identical content", identical=True)
        return None

    def keep(self, src: Source, rows: int) -> None:
        """Record ``src`` as read, with its row count (so a repeat of it can be counted unread)."""
        self._by_identity.setdefault(src.identity, src)
        twin = self._by_name.get(src.basename)
        if twin is not None and twin.archive is not None and twin.archive == src.archive \
                and twin.member == src.member:
            self.halves.append((twin, src))
        self._by_name.setdefault(src.basename, src)
        if src.digest is not None:
            self._by_digest.setdefault((src.size, src.digest), src)
        self._rows[id(src)] = rows

    def rows_of(self, src: Source) -> int:
        return self._rows.get(id(src), 0)

    def record(self, rep: Repeat) -> None:
        self.found.append(rep)


def likely_read(sources: list[Source]) -> list[bool]:
    """Which sources will be parsed, as far as names and identities tell before any is read.

    Only a guess, for reading ahead: a source whose content must be hashed (another has its
    size) is left to be read in turn, and a wrong guess costs a wasted or a later read, never
    a different result (the reader decides with :class:`Repeats` as it goes).
    """
    sim = Repeats(sources)
    out = []
    for src in sources:
        rep = sim.before_reading(src)
        out.append((rep is None or not rep.identical) and not sim.hashes(src))
        if rep is None:
            sim.keep(src, 0)
    return out


def _digest(data: bytes | str) -> bytes:
    if isinstance(data, bytes):
        return hashlib.sha256(data).digest()
    with open(data, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").digest()


def report_repeats(report, repeats: Repeats, rows: int) -> None:
    """Say, in the crimes LoadReport, which files were repeats and which zip entries were halves.

    ``info["repeated_files"]`` lists each repeat (file, the copy read, why) and
    ``info["repeated_file_count"]`` counts them; their rows are counted under :data:`REASON`
    by the reader, so ``rows_read == rows_kept + dropped`` still holds.
    """
    found = repeats.found
    report.info["repeated_file_count"] = len(found)
    if found:
        report.info["repeated_files"] = [r.to_dict() for r in found[:200]]
        shown = "; ".join(f"{r.source.name} ({r.why} as {r.kept.name})" for r in found[:3])
        more = f" and {len(found) - 3} more" if len(found) > 3 else ""
        report.warn(f"{len(found)} crime file(s) repeat a month already read and were read once: {shown}{more} "
                    f"({rows:,} repeated rows not counted again)")
        differ = [r for r in found if not r.identical]
        for r in differ[:3]:
            report.warn(f"{r.source.name} is the same month and force as {r.kept.name} by its name, but its "
                        "content differs (a later download?); only the first was read")
    for first, _second in repeats.halves[:5]:
        report.warn(f"{first.archive} holds two entries named {first.member}: both were read (two halves of "
                    "a month?)")
    report.info["split_zip_entries"] = len(repeats.halves)
