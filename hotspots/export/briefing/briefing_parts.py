"""The briefing in parts written by two processes, then joined: the machinery, kept for large briefings.

When the briefing was drawn with matplotlib (~0.5 s a page), the child process beside the parent
(:mod:`hotspots.export.parallel`, :mod:`hotspots.export.spawned`) drew the first pages while the
parent wrote the map, the workbook and the GIS files, and the parent drew the rest. Drawn with
reportlab the whole briefing takes about a second (Kent's 30 pages), far less than the parent's
own exports, so the child now writes it all (:data:`CHILD_SHARE` is 1: one part, no join, nothing
added to the parent's critical path). A share under 1 still splits it: each part is a whole PDF
with the pages numbered as in the whole briefing
(:func:`hotspots.export.briefing.briefing.write_briefing` with ``pages``), and :func:`join`
appends them with pypdf into ``briefing.pdf`` (atomically) and removes the parts; the joined file
has the same pages and text as one written in a single pass (a test compares them).

A job is named ``briefing.pdf@START-STOP`` so the child's job list stays plain text.
"""

from __future__ import annotations

import math
from pathlib import Path

from ..atomic import atomic_path

__all__ = ["CHILD_SHARE", "job_name", "parse_job", "part_path", "split", "join"]

#: the share of the pages the child draws: all of them, since the reportlab briefing (Kent: ~1 s
#: beside the parent's ~6 s of its own exports; England-sized: a few seconds beside ~25 s); with
#: matplotlib it was 0.65 (fork) and 0.75 (spawn) of ~15 s and ~31 s
CHILD_SHARE = {"fork": 1.0, "spawn": 1.0}


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
