"""Patrol spots: the busiest micro-places, ranked, small enough for a 15-minute foot visit.

Hot-spot patrols work at the scale of a street segment or a 150 m square (Sherman and
Weisburd 1995; Braga et al. 2019 meta-analysis; the College of Policing hot-spot guidance),
with short visits of about 15 minutes (Koper 1995), not at the scale of an LSOA. A spot is
built from the cells of the sparse grid (:mod:`hotspots.units.grid`):

1. every cell gets the analysed measure (crimes, or harm) *without* the crimes at partner places
   (:mod:`hotspots.plans.partner_places`: hospital sites, police stations, prisons, shoplifting-dominated
   retail places; a patrol there prevents none of them), and a cell that is mostly a partner
   place is left out of the spots whole. This ranked value is :attr:`SpotsResult.value`; the
   patrol zones rank :attr:`SpotsResult.zone_value`, which keeps such a cell's other crime (a
   zone is a beat, not a door: see :func:`hotspots.plans.partner_places.plan_values`); the setting
   ``keep_partner_places`` keeps them in;
2. cells are taken from the highest value down (a *ranking*, not a significance gate). A cell
   joins an adjacent (queen) spot when that spot keeps at most ``max_cells`` cells (4) inside a
   ``max_extent`` (300 m) square and the cell holds at least a quarter of the spot's first
   (busiest) cell; a cell next to a spot that holds less is that spot's halo and is skipped;
   any other cell starts a new spot. When the next cell would start spot ``n_spots + 1`` the
   plan is complete;
3. spots are ranked by their total of the measure (rank 1 first; ties by crimes, then id);
4. each spot says whether it passes the cell test (:mod:`hotspots.stats.window_test`: an exact
   randomisation test of the 3 x 3 window sum with Benjamini-Hochberg FDR over every grid cell):
   ``significant`` when one of its cells is a significant hot cell, and ``p_value``, the
   smallest exact p of its cells, shown no finer than 0.0001.

Why a ranking: the analytic Gi* gate it replaces passed thousands of cells on maps with no
pattern at all (issue 21), and at the plan's own area the top of the count ranking is what
captures later crime (4.01% vs 3.95% for single cells on Kent 2021, :mod:`hotspots.plans.backtest`).
The spots say what they are: the busiest places, grouped so a patrol gets a few compact named
places instead of scattered squares, each with the test's verdict beside it.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..limits import check_spots
from ..stats.window_test import cell_window_test
from ..units.cell_counts import CellCounts, count_cells
from ..units.grid import (
    CELL_DEFAULT,
    CellGrid,
    build_grid,
    check_cell,
    drop_dense,
)
from .partner_places import locate_partner_places, mostly_partner, plan_values
from .snap_points import excluded_crimes
from .spot_groups import SPOT_MAX_CELLS, SPOT_MAX_EXTENT_M, SPOT_MIN_SHARE, group_cells
from .spot_result import DOSAGE, NEAR_M, CellTestFigures, PatrolSpot, SpotsResult, spot_test

__all__ = ["PatrolSpot", "SpotsResult", "build_spots", "group_cells", "spot_value_name", "prepare_grid",
           "check_spots", "spots_stage", "SPOTS_DEFAULT", "SPOT_MAX_CELLS", "SPOT_MIN_SHARE", "SPOT_MAX_EXTENT_M", "NEAR_M", "DOSAGE"]

SPOTS_DEFAULT = 20
def without_cells(result: SpotsResult) -> SpotsResult:
    """The plan without its per-cell arrays (grid, counts, Gi*, measure), for the exports of a
    study too large to fork: no export reads them, and at England's size they are ~450 MB of a
    process that must stay under 2 GiB beside the briefing's. The spots, the summary figures
    and the snap-point mask stay; the grid cache is let go too."""
    _GRID_CACHE.clear()
    return replace(result, cells=None, value=np.empty(0), zone_value=None,
                   cell_test=CellTestFigures(result.cell_test.test, result.cell_test.alpha, result.cell_test.to_dict()))



def spot_value_name(measure: str) -> str:
    """Which per-cell quantity ranks cells for ``measure`` (cells have no population: rate -> crimes)."""
    return "harm" if measure == "harm" else "crimes"


def prepare_grid(crimes: pd.DataFrame, boundaries: gpd.GeoDataFrame, cell: float = CELL_DEFAULT
                 ) -> tuple[CellGrid, np.ndarray]:
    """The sparse grid of every crime (whatever the filter), so one grid serves every run."""
    return build_grid(boundaries, crimes["x"].to_numpy(float), crimes["y"].to_numpy(float), check_cell(cell),
                      lsoa=crimes["lsoa"].to_numpy())


def build_spots(crimes: pd.DataFrame, mask: np.ndarray | None, boundaries: gpd.GeoDataFrame, *,
                cell: float = CELL_DEFAULT, n_spots: int = SPOTS_DEFAULT, measure: str = "count",
                harm_weights: dict[str, float] | None = None, alpha: float = 0.05, pubs=None, streetsafe=None,
                imd=None, grid: tuple[CellGrid, np.ndarray] | None = None, exclude_snap: bool = True,
                keep_partner_places: bool = False, mix_mask: np.ndarray | None = None,
                with_evidence: bool = True) -> SpotsResult:
    """Build the ranked patrol spots of the crimes in ``mask`` (see the module notes).

    Parameters
    ----------
    crimes : the crimes table (``x``, ``y``, ``lsoa``, ``month``, ``crime_type``, ``location``)
    mask : the crimes analysed (filters applied), or None for all
    boundaries : the study's LSOAs in EPSG:27700 (with ``area_km2``)
    cell : cell side in metres (50-500)
    n_spots : how many spots the plan holds (1-500)
    measure : the analysis measure (count, harm; rate and density rank cells by crimes)
    grid : a prepared ``(grid, pos)`` from :func:`prepare_grid` of these crimes and this cell size
    exclude_snap : leave crimes at partner places (police stations, prisons, hospital sites,
        shoplifting-dominated retail places) out of the ranking; False keeps them in
    keep_partner_places : the user's setting: keep the partner places in the plan (same as
        ``exclude_snap=False``; they are still found and listed)
    mix_mask : the crimes whose mix decides a retail partner place (default ``mask``; the
        pipeline passes the analysed months with every crime type)
    with_evidence : False skips the per-spot evidence (names, pubs, months): a backtest needs
        only the cells
    """
    cell = check_cell(cell)
    n_spots = check_spots(n_spots)
    if grid is None or grid[0].cell != cell:
        grid = prepare_grid(crimes, boundaries, cell)
    g, pos = grid
    sel = np.ones(len(crimes), bool) if mask is None else np.asarray(mask, bool)
    counts = count_cells(g, pos, crimes, sel, boundaries, harm_weights=harm_weights, pubs=pubs,
                         streetsafe=streetsafe, imd=imd)
    exclude = exclude_snap and not keep_partner_places
    found = locate_partner_places(crimes, sel, mix=mix_mask, kept=not exclude)
    partners = found.partners
    # the places' names (the nearest street among the crimes, the town: ~1 s of England's spots,
    # in GEOS, a KD-tree and NumPy) are worked out on a thread while the cells are ranked,
    # tested and grouped: nothing below reads them
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="partner-names") as side:
        naming = side.submit(found.named, lambda rows: _towns(counts, pos[rows]))
        exclusions = excluded_crimes(crimes, sel)
        rank_sel = sel & ~partners.mask if exclude else sel
        notes: list[str] = []
        if measure == "harm":
            ranked = count_cells(g, pos, crimes, rank_sel, boundaries, harm_weights=harm_weights).harm
        else:
            ranked = np.bincount(pos[rank_sel], minlength=len(g)).astype(float)
            if measure == "rate":
                notes.append("cells have no resident population: spots rank cells by crimes")
        zone_value = None
        if exclude and partners.total:
            at_partner = np.bincount(pos[sel & partners.mask], minlength=len(g))
            mostly = mostly_partner(at_partner, counts.crimes)
            if mostly.any():
                ranked, zone_value = plan_values(ranked, mostly)
            partners.cells_left_out = int(mostly.sum())
        test = cell_window_test(g, ranked, alpha=alpha)
        cand = np.flatnonzero(ranked > 0)
        order = cand[np.lexsort((g.key[cand], -ranked[cand]))]
        groups = group_cells(g, order, int(n_spots), values=ranked)
        if not groups:
            notes.append("no cell holds a crime to rank: no patrol spots")
        elif not test.hot.any():
            notes.append("no cell passes the cell test (exact window-sum randomisation, FDR "
                         f"{alpha:g}): the spots are the busiest places, not significant hot spots")
        total_area = float(boundaries["area_km2"].sum())
        total = int(sel.sum())
        result = SpotsResult(spots=[], cells=counts, cell_test=test, value=ranked, exclusions=exclusions,
                             partners=partners, measure=measure, cell=cell, n_spots=int(n_spots),
                             study_area_km2=total_area, total_crimes=total, notes=notes, zone_value=zone_value)
        if with_evidence:
            from .spot_evidence import describe_spots

            result.spots = describe_spots(result, groups, crimes, sel, pos, pubs=pubs, streetsafe=streetsafe)
        else:
            result.spots = _bare_spots(result, groups)
        partners.places = naming.result()
    drop_dense(g)  # the exports that follow look up a few cells: do not carry the table into them
    return result


def _towns(counts: CellCounts, pos: np.ndarray) -> np.ndarray:
    """The town of each cell in ``pos``, for naming partner places: the GeoNames town the cell is
    in (offline, :func:`hotspots.plans.place_labels.towns_at`), else the district of its LSOA
    ("" for a crime in no cell)."""
    from .place_labels import towns_at
    from .spot_evidence import town_of

    used, inv = np.unique(np.asarray(pos), return_inverse=True)
    towns = np.full(len(used), "", dtype=object)
    ok = used >= 0
    if ok.any():
        names = np.asarray(counts.lsoa_name, dtype=object)[used[ok]]
        fallback = np.array([town_of(str(u)) for u in names], dtype=object)
        centres = shapely.centroid(counts.grid.boxes(used[ok]))
        towns[ok] = towns_at(shapely.get_x(centres), shapely.get_y(centres), fallback)
    return towns[inv]


def _bare_spots(result: SpotsResult, groups: list[np.ndarray]) -> list[PatrolSpot]:
    """Spots with their cells and totals only (for the backtest), ranked as :func:`describe_spots` ranks."""
    g = result.grid
    rows = []
    for cells in groups:
        val = float(result.value[cells].sum())
        rows.append((val, int(result.cells.crimes[cells].sum()), cells))
    rows.sort(key=lambda t: (-t[0], -t[1], int(g.key[t[2][0]])))
    out = []
    for k, (val, n, cells) in enumerate(rows, start=1):
        ids = tuple(str(i) for i in g.ids_at(cells))
        out.append(PatrolSpot(rank=k, spot_id=ids[0], name="", street="", town="", cell_ids=ids, n_cells=len(cells),
                              area_km2=len(cells) * g.cell_km2, centre_lat=float("nan"), centre_lon=float("nan"),
                              crimes=n, harm=float(result.cells.harm[cells].sum()), value=val, crimes_by_month={},
                              crimes_by_type={}, share_of_crimes=float("nan"), pai=float("nan"),
                              significant=spot_test(result, cells)[0], p_value=spot_test(result, cells)[1],
                              pubs_100m=0, streetsafe_100m=0, streetsafe_reasons={}, lsoa_code="", lsoa_name="",
                              imd_decile=None, dosage=DOSAGE, flags=(), excluded_snap_crimes=0, partner_crimes=0,
                              geometry=shapely.union_all(g.boxes(cells))))
    return out


#: one prepared grid, reused while the same crimes table and cell size are analysed again (the
#: GUI re-runs on every filter change); held by a weak reference so it never pins old layers
_GRID_CACHE: dict[str, object] = {}


def _cached_grid(crimes: pd.DataFrame, boundaries: gpd.GeoDataFrame, cell: float, key: str
                 ) -> tuple[CellGrid, np.ndarray]:
    import weakref

    ref = _GRID_CACHE.get("crimes")
    if (ref is not None and ref() is crimes and _GRID_CACHE.get("key") == (key, cell, len(crimes))
            and _GRID_CACHE.get("boundaries")() is boundaries):  # type: ignore[operator, misc]
        return _GRID_CACHE["grid"]  # type: ignore[return-value]
    grid = prepare_grid(crimes, boundaries, cell)
    _GRID_CACHE.clear()
    _GRID_CACHE.update(crimes=weakref.ref(crimes), boundaries=weakref.ref(boundaries), key=(key, cell, len(crimes)),
                       grid=grid)
    return grid


def cached_positions(crimes: pd.DataFrame, grid: CellGrid) -> np.ndarray | None:
    """The cell of every crime of ``crimes`` on ``grid`` (positions, as
    :meth:`~hotspots.units.grid.CellGrid.positions` gives them) when the grid cache holds
    them for this very table and grid: the patrol zones need them again after the spots."""
    ref, held = _GRID_CACHE.get("crimes"), _GRID_CACHE.get("grid")
    if ref is not None and ref() is crimes and held is not None and held[0] is grid:  # type: ignore[operator, index]
        return held[1]  # type: ignore[index]
    return None


def spots_stage(analysis, layers, progress=None, cancel=None):  # noqa: ANN001 - the pipeline's stage signature
    """The pipeline's patrol-spots stage: a new Analysis with ``spots`` (see :func:`build_spots`)."""
    from dataclasses import replace

    from ..lsoa.table import filter_crimes
    from ..progress import Cancelled

    s = analysis.settings
    if progress:
        progress("Building the micro-place grid", 0.0)
    mask, _ = filter_crimes(layers.crimes, s.crime_types, s.month_from, s.month_to)
    months, _ = filter_crimes(layers.crimes, None, s.month_from, s.month_to)  # a place's crime mix: every type
    grid = _cached_grid(layers.crimes, layers.boundaries, check_cell(s.cell), layers.boundary_key)
    if cancel and cancel():
        raise Cancelled()
    if progress:
        progress("Testing cells and grouping patrol spots", 0.5)
    result = build_spots(layers.crimes, mask, layers.boundaries, cell=s.cell, n_spots=s.spots, measure=s.measure,
                         harm_weights=s.harm_weights or layers.harm_weights, alpha=s.alpha, pubs=layers.pubs,
                         streetsafe=layers.streetsafe, imd=layers.imd, grid=grid, mix_mask=months,
                         keep_partner_places=bool(getattr(s, "keep_partner_places", False)))
    return replace(analysis, spots=result, notes=analysis.notes + tuple(result.notes))
