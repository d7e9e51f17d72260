"""Which area an evidence pack covers: ``--evidence-area`` text to an :class:`AreaSpec`.

Apart from :mod:`.pack` because the study checks the setting before any file is read
(:meth:`hotspots.study.Settings.validated`), and the study is the ground every stage stands
on: it must not import the pack, which reaches the map writer's run facts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..data.errors import DataError

__all__ = ["AreaSpec", "DEFAULT_TOP", "parse_area"]

#: the zones the pack covers when no area is named
DEFAULT_TOP = 3


@dataclass
class AreaSpec:
    """What the pack covers: ``kind`` in {"top", "zone", "lsoa", "district"} and its values."""

    kind: str = "top"
    values: list[str] = field(default_factory=lambda: [str(DEFAULT_TOP)])


def parse_area(text: str | None) -> AreaSpec:
    """``top[:N]``, ``zone:K[,K]``, ``lsoa:CODE[,CODE]``, ``district:NAME`` -> AreaSpec."""
    if not text or not str(text).strip():
        return AreaSpec()
    kind, _, rest = str(text).strip().partition(":")
    kind = kind.strip().lower()
    values = [v.strip() for v in rest.split(",") if v.strip()]
    if kind == "top":
        n = values[0] if values else str(DEFAULT_TOP)
        if not n.isdigit() or int(n) < 1:
            raise DataError(None, f"'top:{n}' needs a whole number of zones", hint="e.g. top:3",
                            setting="evidence_area")
        return AreaSpec("top", [n])
    if kind in ("zone", "lsoa", "district") and values:
        if kind == "zone" and not all(v.isdigit() for v in values):
            raise DataError(None, f"'{text}' names zones that are not numbers", hint="e.g. zone:1 or zone:1,2",
                            setting="evidence_area")
        return AreaSpec(kind, values)
    raise DataError(None, f"'{text}' is not an area",
                    hint="use top, top:N, zone:K, lsoa:E01..,E01.. or district:NAME", setting="evidence_area")
