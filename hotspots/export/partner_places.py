"""``partner_places.csv``: the places left out of the patrol plan, for the inspector to hand on.

One row per partner place (:mod:`hotspots.plans.partner_places`), busiest first, with the contract's
columns ``name, kind, crimes, share_shoplifting, reason``. Names come from police.uk labels, so
cells that a spreadsheet would read as a formula are neutralised (:mod:`hotspots.export.safe_text`);
the file is written atomically (:mod:`hotspots.export.atomic`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from .atomic import atomic_path
from .safe_text import neutralise_frame

__all__ = ["PARTNER_FIELDS", "partner_table", "write_partner_places_csv"]

PARTNER_FIELDS = ["name", "kind", "crimes", "share_shoplifting", "reason"]
#: how ``kind`` reads in words (the map, the briefing)
KIND_WORDS = {"hospital": "hospital site", "police_station": "police station", "prison": "prison",
              "retail": "shoplifting-dominated retail place"}


def partner_table(analysis: Any) -> pd.DataFrame:
    """The partner places as a table (empty, same columns, when there are none)."""
    res = getattr(analysis, "spots", None)
    places = [] if res is None or getattr(res, "partners", None) is None else res.partners.places
    kept = bool(res is not None and getattr(res, "partners", None) is not None and res.partners.kept)
    rows = [{"name": p.name, "kind": p.kind, "crimes": int(p.crimes),
             "share_shoplifting": round(float(p.share_shoplifting), 3),
             "reason": p.reason + ("; kept in the patrol plan by the setting" if kept else "")} for p in places]
    return pd.DataFrame(rows, columns=PARTNER_FIELDS)


def write_partner_places_csv(analysis: Any, layers: Any, study: Any, path: str | Path) -> Path | None:
    """``partner_places.csv`` atomically (None when the run has no patrol spots stage)."""
    if getattr(analysis, "spots", None) is None:
        return None
    table = neutralise_frame(partner_table(analysis))
    with atomic_path(path) as tmp:
        table.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")
    return Path(path)
