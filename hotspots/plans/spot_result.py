"""What the spot stage returns: :class:`PatrolSpot`, :class:`SpotsResult`, and a spot's test verdict.

Apart from :mod:`.spots` (which finds the spots) so that :mod:`.spot_evidence`, which
describes them for :mod:`.spots`, can build :class:`PatrolSpot` objects without importing the
module that imports it (no import cycle). :mod:`.spots` re-exports every name here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely

from ..stats.window_test import CellWindowTest
from ..units.cell_counts import CellCounts
from ..units.grid import CellGrid, keys_from_ids
from .partner_places import PartnerPlaces
from .snap_points import SnapExclusions

__all__ = ["DOSAGE", "NEAR_M", "CellTestFigures", "PatrolSpot", "SpotsResult", "spot_test"]

#: "near a spot": pubs and StreetSafe reports within this many metres of its cells
NEAR_M = 100.0
DOSAGE = ("Visit for about 15 minutes (Koper 1995), at least twice a day, at varying times. police.uk "
          "records the month of a crime, not the time of day: choose the hours from your own incident log.")


@dataclass(frozen=True)
class PatrolSpot:
    """One patrol spot and its evidence (EPSG:27700 geometry; lat/lon of its centre)."""

    rank: int
    spot_id: str
    name: str
    street: str
    town: str
    cell_ids: tuple[str, ...]
    n_cells: int
    area_km2: float
    centre_lat: float
    centre_lon: float
    crimes: int
    harm: float
    value: float
    crimes_by_month: dict[str, int]
    crimes_by_type: dict[str, int]
    share_of_crimes: float
    pai: float
    significant: bool
    p_value: float
    pubs_100m: int
    streetsafe_100m: int
    streetsafe_reasons: dict[str, int]
    lsoa_code: str
    lsoa_name: str
    imd_decile: int | None
    dosage: str
    flags: tuple[str, ...]
    excluded_snap_crimes: int
    partner_crimes: int
    geometry: shapely.Geometry = field(repr=False, compare=False)


@dataclass
class SpotsResult:
    """The patrol-spot plan of one analysis.

    Attributes
    ----------
    spots : ranked :class:`PatrolSpot` list (rank 1 first)
    cells : per-cell counts of the analysed crimes (all crimes, the partner places included)
    cell_test : the cell-level window-sum test and its FDR decision, on the ranked value
    value : the per-cell measure the spots rank (partner-place crimes removed, cells that are
        mostly a partner place at 0), per materialised cell
    zone_value : the per-cell measure the patrol zones rank (partner-place crimes removed, every
        cell's other crime kept); None when it is ``value`` (see :meth:`zone_ranking`)
    exclusions : crimes at police-station and prison snap points (counted among the analysed)
    partners : the partner places and the crimes left out of the ranking for them
    measure, cell, n_spots, study_area_km2, total_crimes, notes
    """

    spots: list[PatrolSpot]
    cells: CellCounts
    cell_test: CellWindowTest
    value: np.ndarray
    exclusions: SnapExclusions
    partners: PartnerPlaces
    measure: str
    cell: float
    n_spots: int
    study_area_km2: float
    total_crimes: int
    notes: list[str] = field(default_factory=list)
    zone_value: np.ndarray | None = None

    def zone_ranking(self) -> np.ndarray:
        """The per-cell value the patrol zones rank (:attr:`zone_value`, else :attr:`value`)."""
        return self.value if self.zone_value is None else self.zone_value

    @property
    def grid(self) -> CellGrid:
        return self.cells.grid

    @property
    def cell_keys(self) -> np.ndarray:
        """Packed keys of every cell in the plan (the union of the spots)."""
        ids = [c for s in self.spots for c in s.cell_ids]
        return np.unique(keys_from_ids(ids, self.cell))

    def spot_keys(self) -> list[np.ndarray]:
        """Packed cell keys of each spot, in rank order."""
        return [keys_from_ids(s.cell_ids, self.cell) for s in self.spots]

    def summary(self) -> dict:
        area = sum(s.area_km2 for s in self.spots)
        return {"count": len(self.spots), "requested": self.n_spots, "cell_m": self.cell, "measure": self.measure,
                "area_km2": round(area, 4), "share_of_area": area / self.study_area_km2 if self.study_area_km2 else None,
                "share_of_crimes": sum(s.crimes for s in self.spots) / self.total_crimes if self.total_crimes else None,
                "median_spot_km2": float(np.median([s.area_km2 for s in self.spots])) if self.spots else None,
                "significance": self.cell_test.to_dict(),
                "significant_spots": sum(bool(s.significant) for s in self.spots),
                "snap_points": self.exclusions.to_dict(), "partner_places": self.partners.to_dict(),
                "dosage": DOSAGE, "notes": list(self.notes)}


@dataclass(frozen=True)
class CellTestFigures:
    """The cell-level test's name, level and summary figures, kept when the per-cell arrays go."""

    test: str
    alpha: float
    figures: dict

    def to_dict(self) -> dict:
        return dict(self.figures)


def spot_test(result: SpotsResult, cells: np.ndarray) -> tuple[bool, float]:
    """A spot's verdict: significant when one of its cells passes; the smallest exact p of its
    cells (the exports show it no finer than :data:`~hotspots.stats.window_test.P_RESOLUTION`)."""
    t = result.cell_test
    p = t.p[cells]
    p = p[np.isfinite(p)]
    return bool(t.hot[cells].any()), float(p.min()) if len(p) else float("nan")
