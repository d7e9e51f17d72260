"""The briefing written in two parts by two processes, then joined: both cores draw pages.

matplotlib draws the briefing one page after another on one core (Kent: 22 pages, ~0.7 s a
page on the project's machine), and it is the longest export. With a child process beside the
parent (:mod:`hotspots.export.parallel`, :mod:`hotspots.export.spawned`), the child draws the
first pages while the parent writes the map, the workbook and the GIS files, and the parent then
draws the rest, so neither core waits for long. Each part is a whole PDF with the pages numbered
as in the whole briefing (:func:`hotspots.export.briefing.briefing.write_briefing` with ``pages``);
:func:`join` appends them with pypdf into ``briefing.pdf`` (atomically) and removes the parts.
The joined file has the same pages and text as one written in a single pass (a test compares
them); its fonts are embedded once per part.

A job is named ``briefing.pdf@START-STOP`` so the child's job list stays plain text.
"""

from __future__ import annotations

import math
from pathlib import Path

from ..atomic import atomic_path

__all__ = ["CHILD_SHARE", "job_name", "parse_job", "part_path", "split", "join"]

#: the share of the pages the child draws: a forked child's parent has ~6 s of its own exports
#: beside ~15 s of briefing (Kent); a spawned child's parent ~23 s beside ~31 s (England-sized)
CHILD_SHARE = {"fork": 0.65, "spawn": 0.75}


def job_name(start: int, stop: int) -> str:
    return f"briefing.pdf@{start}-{stop}"


def parse_job(name: str) -> tuple[int, int] | None:
    """``(start, stop)`` of a part job, None for any other export name."""
    if not name.startswith("briefing.pdf@"):
        return None
    a, b = name.split("@", 1)[1].split("-")
    return int(a), int(b)


def part_path(out: Path, start: int) -> Path:
    return Path(out) / f"briefing.part{start}.pdf"


def split(n_pages: int, mode: str | None) -> int:
    """Pages ``0 .. k - 1`` go to the child (``k == n_pages``: no second part)."""
    share = CHILD_SHARE.get(mode or "", 1.0)
    return min(n_pages, max(1, math.ceil(n_pages * share)))


def join(parts: list[Path], path: Path) -> Path:
    """Append ``parts`` (in order) into ``path`` atomically, keep the first part's metadata, and
    remove the parts."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    meta = None
    for p in parts:
        reader = PdfReader(str(p))
        meta = meta or reader.metadata
        writer.append(reader)
    if meta:
        writer.add_metadata({k: str(v) for k, v in meta.items()})
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        writer.write(fh)
    for p in parts:
        p.unlink(missing_ok=True)
    return Path(path)
