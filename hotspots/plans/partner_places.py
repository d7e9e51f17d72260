"""Partner places: snap points whose crime belongs to a partner rather than to a patrol.

A patrol spot is where a 15-minute foot visit can prevent crime. Some of the busiest police.uk
snap points are places where it cannot, because the crime happens inside premises that have
their own guardians (issue 21; Kent 2021's #1 spot was the Bluewater shopping complex, 63%
shoplifting at one snap point, and #6, #7 and #18 were hospital sites):

- **hospital sites**: the label is police.uk's "Hospital" category or a name with "Hospital" or
  "Infirmary" that is not a street ("Hospital Road" is a street) - for the NHS trust's security;
- **police stations** and **prisons** (:mod:`hotspots.plans.snap_points`) - crimes recorded at a custody
  suite or front desk, or inside a prison (HM Prison and Probation Service);
- **shoplifting-dominated retail places**: a retail label (police.uk's "Supermarket", "Shopping
  Area", "Petrol Station", "Motorway Service Area", or a name such as "... Complex", "...
  Shopping Centre", "... Retail Park", "... Designer Outlet") where at least
  :data:`SHOPLIFTING_SHARE` (60%) of the point's crimes in the analysed months, all crime types
  counted, are shoplifting - for the retailer, the centre's security and the local retail-crime
  partnership or BID. The crime mix decides, not the label alone: a supermarket point where
  most crime is violence or vehicle crime stays in the patrol plan.

These are identified per snap point (a label at one coordinate: police.uk puts every crime at
the same point). Their crimes, like the police-station exclusion before them, stay in every
count, table and statistic; they are only left out of the *ranking* of patrol spots and zones
(the per-cell value the plan ranks, :func:`plan_values`), and the two plans leave them out
differently because they ask different things of a patrol:

- a **patrol spot** is one 150 m place for a 15-minute visit. A cell where partner places hold
  at least :data:`CELL_SHARE` of the analysed crimes is left out of the spots *whole*: a visit
  there is a visit to the premises' door, and its remaining crime is largely their overspill
  (the car park, the entrance);
- a **patrol zone** is a beat walked through a town centre or an estate. Only the partner
  places' own crimes (the crimes at their snap points) leave a zone cell's value; the cell's
  other crime (the street, the square, the bus stop beside the hospital or the shopping centre)
  still ranks it. Zeroing such cells whole left holes in town-centre zones: on Kent 2021 (train
  January-September, score October-December) the 74 cells left out whole held 3.6% of the later
  crime, among them the shopping-area cells of Dartford's and Canterbury's centres with 75 and
  66 crimes of their own, and the zones caught 0.907x what the naive 150 m cells caught at their
  area (rolling 3-month windows April-December: 0.895x). With only the partner places' crimes
  taken out: 0.916x (rolling 0.901x; violence and sexual offences 0.911x, rolling 0.920x), the
  spots unchanged. A zone may therefore hold a partner's snap point; its crimes never rank it.

A setting (``keep_partner_places``) keeps them in. Every place found is listed, busiest first,
so the inspector can hand it to the partner.

The label rules were read off the Location values of Kent 2021 (Bluewater is "Bluewater
Complex", every hospital is the bare "Hospital" category) and police.uk's map-point categories;
they name no Kent place.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .partner_streets import street_finder
from .snap_points import label_kind, names_and_kinds, place_text, strip_prefix

__all__ = ["PartnerPlace", "PartnerPlaces", "KINDS", "SHOPLIFTING_SHARE", "CELL_SHARE", "partner_label",
           "partner_labels", "find_partner_places", "locate_partner_places", "FoundPlaces", "no_partner_places",
           "mostly_partner", "plan_values"]

KINDS = ("hospital", "police_station", "prison", "retail")
#: a retail place is a partner place when at least this share of its crimes is shoplifting
SHOPLIFTING_SHARE = 0.6
#: a cell where partner places hold at least this share of the analysed crimes is left out of the spots whole
CELL_SHARE = 0.5
SHOPLIFTING = "shoplifting"

_STREET_END = re.compile(r"\b(Road|Street|Lane|Avenue|Close|Way|Drive|Hill|Place|Gardens|Court|Crescent|Grove|"
                         r"Terrace|Walk|Rise|Row|Square|Parade|Mews|Approach|Parkway)$", re.IGNORECASE)
_HOSPITAL = re.compile(r"\b(Hospital|Infirmary)\b", re.IGNORECASE)
_RETAIL_PLACEHOLDERS = frozenset({"Supermarket", "Shopping Area", "Petrol Station", "Motorway Service Area"})
_RETAIL_NAME = re.compile(r"\b(Complex|Shopping\s+(Centre|Center|Park|Mall|Village)|Retail\s+(Park|Centre|Complex)|"
                          r"(Designer\s+)?Outlet(\s+(Centre|Village))?|Superstore|Hypermarket|Mall)\b", re.IGNORECASE)
_REASONS = {
    "hospital": "hospital site: crime inside the hospital is for the NHS trust's security and the hospital liaison",
    "police_station": "police station: crimes recorded at a custody suite or front desk; a patrol outside "
                      "prevents none of them",
    "prison": "prison: crime inside is for HM Prison and Probation Service",
    "retail": "retail place where {share:.0%} of the crimes are shoplifting: for the retailer, the centre's "
              "security and the retail-crime partnership or BID",
}


def partner_label(label: object) -> str | None:
    """What kind of partner place a police.uk label *can* be: ``hospital``, ``police_station``,
    ``prison``, ``retail`` (a candidate: the crime mix decides) or None."""
    name = strip_prefix(label)
    if not name:
        return None
    kind = label_kind(label)
    if kind in ("police_station", "prison"):
        return str(kind)
    street_like = bool(_STREET_END.search(name))
    if name == "Hospital" or (_HOSPITAL.search(name) and not street_like):
        return "hospital"
    if name in _RETAIL_PLACEHOLDERS or (_RETAIL_NAME.search(name) and not street_like):
        return "retail"
    return None


#: one search tells a label that can be neither a hospital nor a retail place (nearly all of them)
_EITHER = re.compile(f"{_HOSPITAL.pattern}|{_RETAIL_NAME.pattern}", re.IGNORECASE)


@functools.lru_cache(maxsize=8)
def partner_labels(table: tuple[str, ...]) -> np.ndarray:
    """:func:`partner_label` of each label of a category table ("" for none), with a trailing ""
    for a missing label; once per table.

    The labels' names and kinds are the ones the snap-point rules already worked out for the
    same table, and one search rules out a label that names neither a hospital nor a retail
    place before the three of :func:`partner_label`: a nation's few hundred thousand labels took
    seconds one by one. A test pins it to :func:`partner_label` label by label."""
    names, kinds = names_and_kinds(table)
    out = np.full(len(table) + 1, "", dtype=object)
    for i, (name, kind) in enumerate(zip(names[:-1], kinds[:-1], strict=True)):
        if not name:
            continue
        if kind == "police_station" or kind == "prison":
            out[i] = kind
        elif name == "Hospital":
            out[i] = "hospital"
        elif name in _RETAIL_PLACEHOLDERS:
            out[i] = "retail"
        elif _EITHER.search(name):
            out[i] = partner_label(table[i]) or ""
    out.flags.writeable = False
    return out


@dataclass(frozen=True)
class PartnerPlace:
    """One partner place (one snap point), EPSG:27700 coordinates."""

    name: str
    kind: str
    label: str
    crimes: int
    share_shoplifting: float
    reason: str
    x: float
    y: float


@dataclass
class PartnerPlaces:
    """The partner places of an analysis and the crimes the plan's ranking leaves out for them.

    Attributes
    ----------
    mask : True for each analysed crime at a partner place (aligned with the crimes table)
    places : every partner place holding an analysed crime, busiest first
    kept : the setting kept them in the patrol plan (nothing left out)
    cells_left_out : grid cells left out of the patrol spots whole (partner places hold >=
        CELL_SHARE of their crimes); the zones keep their other crime
    """

    mask: np.ndarray
    places: list[PartnerPlace] = field(default_factory=list)
    kept: bool = False
    cells_left_out: int = 0

    @property
    def total(self) -> int:
        return int(self.mask.sum())

    def to_dict(self) -> dict:
        """Figures for ``summary.json`` (``spots.partner_places``)."""
        by_kind, crimes_by_kind = dict.fromkeys(KINDS, 0), dict.fromkeys(KINDS, 0)
        for p in self.places:  # one pass (a nation's generated data: 54,000 places, read by several files)
            if p.kind in by_kind:
                by_kind[p.kind] += 1
                crimes_by_kind[p.kind] += p.crimes
        return {"rule": ("crimes at hospital sites, police stations, prisons and retail places where "
                         f"{SHOPLIFTING_SHARE:.0%} or more of the crime is shoplifting are left out of the patrol "
                         f"ranking (kept in every other count); a cell where they hold {CELL_SHARE:.0%} or more of "
                         "the crime is left out of the patrol spots whole, while the patrol zones keep its other "
                         "crime; see partner_places.csv"),
                "kept_in_plan": self.kept, "count": len(self.places), "by_kind": by_kind,
                "crimes": self.total, "crimes_by_kind": crimes_by_kind,
                "cells_left_out": self.cells_left_out}


def mostly_partner(at_partner: np.ndarray, crimes: np.ndarray, share: float = CELL_SHARE) -> np.ndarray:
    """True for each cell where partner places hold at least ``share`` of the analysed crimes.

    ``at_partner`` and ``crimes`` are per-cell counts of the analysed crimes at partner places
    and of all of them (a cell with no partner crime is never one)."""
    at_partner = np.asarray(at_partner)
    return (at_partner >= share * np.maximum(np.asarray(crimes), 1)) & (at_partner > 0)


def plan_values(ranked: np.ndarray, mostly: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The per-cell values the patrol spots and the patrol zones rank (see the module notes).

    ``ranked`` is the measure of each cell *without* the partner places' crimes; ``mostly`` the
    cells they dominate (:func:`mostly_partner`). Returns ``(spot_value, zone_value)``: the spots
    leave a dominated cell out whole (0), the zones keep its other crime (``ranked`` itself)."""
    ranked = np.asarray(ranked, float)
    return np.where(np.asarray(mostly, bool), 0.0, ranked), ranked


def no_partner_places(n: int) -> PartnerPlaces:
    """An empty result for a crimes table of ``n`` rows."""
    return PartnerPlaces(mask=np.zeros(n, bool))


_GENERIC = _RETAIL_PLACEHOLDERS | {"Hospital", "Police Station", "Prison"}


def _place_name(label: str, street: str, town: str) -> str:
    """"Hospital by Hermitage Lane, Maidstone" for a category label, "Bluewater Complex, Dartford" for a name."""
    if label in _GENERIC:
        core = f"{label.capitalize()} by {street}" if street else place_text(label).capitalize()
    else:
        core = label
    return f"{core}, {town}" if town else core


def find_partner_places(crimes: pd.DataFrame, sel: np.ndarray, *, mix: np.ndarray | None = None,
                        towns_of_rows: Callable[[np.ndarray], np.ndarray] | None = None,
                        kept: bool = False, shoplifting_share: float = SHOPLIFTING_SHARE) -> PartnerPlaces:
    """The partner places among the crimes in ``sel`` (see the module notes), found and named
    (:func:`locate_partner_places`, then :meth:`FoundPlaces.named`).

    Parameters
    ----------
    crimes : the crimes table (``location``, ``crime_type``, ``x``, ``y``)
    sel : the analysed crimes
    mix : the crimes whose mix decides a retail place (default ``sel``; the pipeline passes the
        analysed months with every crime type, so a place is judged the same in a filtered run)
    towns_of_rows : the towns of some crimes (rows of ``crimes``), for the names; asked only for
        one row per place (naming every crime's cell cost seconds nationally)
    kept : the setting keeps them in the plan (they are still found and listed)
    """
    found = locate_partner_places(crimes, sel, mix=mix, kept=kept, shoplifting_share=shoplifting_share)
    found.partners.places = found.named(towns_of_rows)
    return found.partners


@dataclass
class FoundPlaces:
    """Partner places found but not yet named.

    The plan's ranking needs only which crimes are at a partner place (``partners.mask``); the
    places' names (the nearest street snap point among a nation's millions of crimes, and the
    town of each place) are most of the time nationally (~1 s of England's ~1.4 s), so a caller
    can name them on a thread while it ranks the cells. Everything :meth:`named` reads is a
    NumPy array or a list taken here, never the crimes table itself.
    """

    partners: PartnerPlaces  # its mask, kept; ``places`` empty until named
    kind: list[str]
    crimes: list[int]
    share: list[float]
    x: np.ndarray
    y: np.ndarray
    rows: np.ndarray  # each place's first row in the crimes table (for its town)
    labels: list[str]  # each place's label, its prefix stripped
    streets: Callable[[], list[str]]  # the nearest street of each place

    def named(self, towns_of_rows: Callable[[np.ndarray], np.ndarray] | None = None) -> list[PartnerPlace]:
        """The places, named and busiest first."""
        if not self.kind:
            return []
        streets = self.streets()
        towns = None if towns_of_rows is None else np.asarray(towns_of_rows(self.rows), dtype=object)
        town_l = [str(t) for t in towns] if towns is not None else [""] * len(self.kind)
        places = []
        for k, (kind, n_p, sh, px, py) in enumerate(zip(self.kind, self.crimes, self.share, self.x.tolist(),
                                                        self.y.tolist(), strict=True)):
            label = self.labels[k]
            places.append(PartnerPlace(name=_place_name(label, streets[k], town_l[k]), kind=kind, label=label,
                                       crimes=n_p, share_shoplifting=sh, reason=_REASONS[kind].format(share=sh),
                                       x=px, y=py))
        places.sort(key=lambda q: (-q.crimes, q.kind, q.name, q.x, q.y))
        return places


def locate_partner_places(crimes: pd.DataFrame, sel: np.ndarray, *, mix: np.ndarray | None = None,
                          kept: bool = False, shoplifting_share: float = SHOPLIFTING_SHARE) -> FoundPlaces:
    """The partner places among the crimes in ``sel``, found but not named (see
    :func:`find_partner_places` for the parameters and :class:`FoundPlaces` for why)."""
    sel = np.asarray(sel, bool)
    mix = sel if mix is None else (np.asarray(mix, bool) | sel)
    n = len(crimes)
    loc = crimes["location"]
    cat = pd.Categorical(loc) if not isinstance(loc.dtype, pd.CategoricalDtype) else loc.array
    cand_of_cat = partner_labels(tuple(str(c) for c in cat.categories))
    codes_all = np.asarray(cat.codes)
    rows = np.flatnonzero(mix & (cand_of_cat != "")[codes_all])  # per category, not a string per crime
    if len(rows) == 0:
        return FoundPlaces(PartnerPlaces(mask=np.zeros(n, bool), kept=kept), [], [], [], np.zeros(0), np.zeros(0),
                           np.zeros(0, np.int64), [], list)
    x = np.round(crimes["x"].to_numpy(float)[rows], 1)
    y = np.round(crimes["y"].to_numpy(float)[rows], 1)
    codes = codes_all[rows]
    shop = _is_shoplifting(crimes["crime_type"], rows)
    frame = pd.DataFrame({"code": codes, "x": x, "y": y, "shop": shop, "sel": sel[rows], "row": rows})
    point = frame.groupby(["code", "x", "y"], sort=False, observed=True).ngroup().to_numpy()
    n_mix = np.bincount(point)
    n_shop = np.bincount(point, weights=shop.astype(float))
    n_sel = np.bincount(point, weights=frame["sel"].to_numpy(float)).astype(np.int64)
    share = n_shop / np.maximum(n_mix, 1)
    kind_pt = np.empty(len(n_mix), dtype=object)
    kind_pt[point] = cand_of_cat[codes_all[rows]]
    is_partner = (kind_pt != "retail") | (share >= shoplifting_share)
    is_partner &= n_sel > 0
    mask = np.zeros(n, bool)
    chosen = rows[is_partner[point] & frame["sel"].to_numpy()]
    mask[chosen] = True
    first_rows = np.full(len(n_mix), -1, np.int64)
    first_rows[point[::-1]] = np.arange(len(point))[::-1]
    pts = np.flatnonzero(is_partner)
    fr = first_rows[pts]  # each place's first row in the frame
    used, inv = np.unique(codes[fr], return_inverse=True)  # each distinct label stripped once
    stripped = [strip_prefix(c) for c in cat.categories.take(used)]
    streets = street_finder(crimes, sel, x[fr], y[fr])
    return FoundPlaces(PartnerPlaces(mask=mask, kept=kept), [str(q) for q in kind_pt[pts]], n_sel[pts].tolist(),
                       share[pts].tolist(), x[fr], y[fr], rows[fr], [stripped[t] for t in inv.reshape(-1).tolist()],
                       streets)


def _is_shoplifting(types: pd.Series, rows: np.ndarray) -> np.ndarray:
    """Whether each of ``rows`` is a shoplifting, through the categories (not a string per row)."""
    cat = types.array if isinstance(types.dtype, pd.CategoricalDtype) else pd.Categorical(types.iloc[rows])
    codes = np.asarray(cat.codes)
    codes = codes[rows] if isinstance(types.dtype, pd.CategoricalDtype) else codes
    hit = np.append(np.array([str(c).strip().lower() == SHOPLIFTING for c in cat.categories], bool), False)
    return hit[codes]
