"""The backtest's partner places: the test crime a patrol can address, and the naive ranking without them.

The patrol plan leaves partner places (:mod:`hotspots.plans.partner_places`: hospital sites, police
stations, prisons, shoplifting-dominated retail places) out of its ranking on purpose: a patrol
outside Bluewater or a hospital prevents none of the crime inside. Scored only on *all* later
crime, a naive ranking that keeps them looks better than the plan for the very crime the plan
hands to a partner (Kent 2021, train Jan-Sep, test Oct-Dec: the spots caught 0.84x what the naive
150 m cells caught at their area, 1.00x with the partner places kept in the plan). Two fair
comparisons are therefore scored beside the all-crime ones:

- **addressable test crime**: the test crimes outside the partner places found on the
  *training* months by the rules the plan used (a crime at a partner snap point: same label,
  same point). Nothing is known of the test months in advance: a partner place first seen in
  the test months counts as addressable. The street crime around a partner place (another snap
  point in its cell) is addressable, as the patrol zones count it. With
  ``keep_partner_places`` the plan keeps them and nothing is left out, so the addressable
  figures equal the all-crime ones;
- ``naive_cells_patrol``: the naive cells ranked by their training crimes *outside* the partner
  places, the cells the partner places dominated (at least
  :data:`~hotspots.plans.partner_places.CELL_SHARE` of their training crime) left out whole as the
  spots leave them: the like-for-like spreadsheet sort.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .backtest_scores import key_counts
from .partner_places import CELL_SHARE, KINDS, PartnerPlace, PartnerPlaces

__all__ = ["PartnerReach", "partner_reach", "no_partner_reach", "places_in_cells", "partner_phrase", "RULE"]

RULE = ("test crimes outside the partner places found on the training months (hospital sites, police stations, "
        "prisons, retail places where 60% or more of the crime is shoplifting; the same rules the plan used to "
        "leave them out of its ranking), matched by label and snap point")


@dataclass(frozen=True)
class PartnerReach:
    """What the plan left to partners on the training months, applied to every crime.

    ``out`` is True for each crime (aligned with the crimes table) at a partner place found on
    the training months; all False when the plan kept them. ``cells_left_out`` are the packed
    keys of the cells the partner places dominated in training (left out of the spots and of
    ``naive_cells_patrol`` whole).
    """

    out: np.ndarray
    kept: bool
    places: list[PartnerPlace] = field(default_factory=list)
    cells_left_out: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def to_dict(self, train: np.ndarray, test: np.ndarray) -> dict:
        """Figures for ``evaluation.json`` (``addressable.partner_places``)."""
        return {"kept_in_plan": self.kept, "count": len(self.places),
                "by_kind": {k: sum(p.kind == k for p in self.places) for k in KINDS},
                "cells_left_out": int(len(self.cells_left_out)),
                "training_crimes_left_out": int((self.out & train).sum()),
                "test_crimes_left_out": int((self.out & test).sum()),
                "busiest": [{"name": p.name, "kind": p.kind, "training_crimes": p.crimes} for p in self.places[:10]]}


def no_partner_reach(n: int, kept: bool = False) -> PartnerReach:
    """Nothing left out (no partner place, or the plan kept them)."""
    return PartnerReach(out=np.zeros(n, bool), kept=kept)


def _codes(crimes: pd.DataFrame, shared: dict | None) -> np.ndarray:
    """Each crime's location label as a categorical code (computed once per crimes table)."""
    if shared is not None and "loc_codes" in shared:
        return shared["loc_codes"]
    loc = crimes["location"]
    cat = loc.array if isinstance(loc.dtype, pd.CategoricalDtype) else pd.Categorical(loc)
    codes = np.asarray(cat.codes)
    if shared is not None:
        shared["loc_codes"] = codes
    return codes


def partner_reach(crimes: pd.DataFrame, train: np.ndarray, partners: PartnerPlaces | None, keys: np.ndarray,
                  *, consider: np.ndarray | None = None, shared: dict | None = None) -> PartnerReach:
    """The crimes a patrol does not address, by the partner places of the training months.

    Parameters
    ----------
    crimes : the crimes table (``location``, ``x``, ``y``)
    train : the analysed training crimes (the ones the plan ranked)
    partners : the plan's partner places (``SpotsResult.partners``), found on ``train``
    keys : every crime's packed cell key (the plan's grid)
    consider : the crimes to mark (default every crime; the backtest passes training | test)
    shared : a cache the windows of a rolling backtest share (the location codes)
    """
    n = len(crimes)
    train = np.asarray(train, bool)
    if partners is None or partners.kept or not partners.mask.any():  # nothing left out (the kept are listed)
        kept = bool(partners is not None and partners.kept)
        return PartnerReach(out=np.zeros(n, bool), kept=kept, places=list(partners.places) if kept else [])
    codes = _codes(crimes, shared)
    x10 = np.round(crimes["x"].to_numpy(float) * 10).astype(np.int64)
    y10 = np.round(crimes["y"].to_numpy(float) * 10).astype(np.int64)
    at = np.flatnonzero(partners.mask & train)
    points = pd.MultiIndex.from_arrays([codes[at], x10[at], y10[at]]).unique()
    rows = np.arange(n) if consider is None else np.flatnonzero(np.asarray(consider, bool) | train)
    out = np.zeros(n, bool)
    out[rows] = pd.MultiIndex.from_arrays([codes[rows], x10[rows], y10[rows]]).isin(points)
    # a cell the partner places dominated in training: the spots leave it out whole (their rule)
    tu, tc = key_counts(keys[train])
    pu, pc = key_counts(keys[train & out])
    whole = pu[pc >= CELL_SHARE * np.maximum(tc[np.searchsorted(tu, pu)], 1)]
    return PartnerReach(out=out, kept=False, places=list(partners.places), cells_left_out=whole)


def places_in_cells(reach: PartnerReach, cell_keys: np.ndarray, cell: float) -> list[tuple[str, str, float, float]]:
    """The partner places (name, kind, x, y) lying in ``cell_keys``, busiest first (a place's name
    can change from one training range to another, its point does not)."""
    from ..units.grid import grid_keys

    if not reach.places or len(cell_keys) == 0:
        return []
    xs = np.array([p.x for p in reach.places])
    ys = np.array([p.y for p in reach.places])
    inside = np.isin(grid_keys(xs, ys, cell)[2], np.asarray(cell_keys, np.int64))
    return [(p.name, p.kind, p.x, p.y) for p, hit in zip(reach.places, inside, strict=True) if hit]


_KIND_WORDS = {"hospital": ("hospital site", "hospital sites"), "police_station": ("police station", "police stations"),
               "prison": ("prison", "prisons"), "retail": ("retail place", "retail places")}


def partner_phrase(places: list[tuple[str, str]], most_named: int = 1) -> str:
    """'Bluewater Complex and 3 hospital sites': the busiest ``most_named`` retail places by name
    (without the town), the others counted by kind; "" when there are none."""
    if not places:
        return ""
    named = [n for n, k in places if k == "retail"][:most_named]
    bits = [n.split(",")[0] for n in named]
    rest_retail = sum(k == "retail" for _, k in places) - len(named)
    for kind in ("hospital", "police_station", "prison", "retail"):
        c = rest_retail if kind == "retail" else sum(k == kind for _, k in places)
        if c:
            one, many = _KIND_WORDS[kind]
            bits.append(f"{c} {'other ' if kind == 'retail' and named else ''}{one if c == 1 else many}")
    return bits[0] if len(bits) == 1 else ", ".join(bits[:-1]) + " and " + bits[-1]
