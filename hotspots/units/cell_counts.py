"""Per-cell counts of one filter of the crimes (crimes, harm, pubs, StreetSafe reports, LSOA fields).

Apart from :mod:`hotspots.units.grid` (which builds the cells) because a grid serves every
filter of a run while counts are made once per filter; the grid module stays under the house
limit this way.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from .grid import CellGrid, cell_ids

__all__ = ["CellCounts", "count_cells"]


@dataclass(frozen=True)
class CellCounts:
    """Per-cell counts for one filter of the crimes, aligned with the grid's materialised cells.

    ``pubs`` and ``streetsafe`` count the points in materialised cells only (a pub in a cell
    with no crime and no crime next to it is in no materialised cell and counts nowhere here).
    """

    grid: CellGrid
    crimes: np.ndarray
    harm: np.ndarray
    pubs: np.ndarray
    streetsafe: np.ndarray
    lsoa_code: np.ndarray
    lsoa_name: np.ndarray
    imd_decile: np.ndarray

    def frame(self, only_occupied: bool = True):
        """A tidy DataFrame (``cell_id``, counts, LSOA fields), occupied cells only by default."""

        g = self.grid
        sel = np.flatnonzero(self.crimes > 0) if only_occupied else np.arange(len(g))
        return pd.DataFrame({"cell_id": cell_ids(g.col[sel], g.row[sel], g.cell), "x0": g.col[sel] * g.cell,
                             "y0": g.row[sel] * g.cell, "crimes": self.crimes[sel], "harm": self.harm[sel],
                             "pubs": self.pubs[sel], "streetsafe": self.streetsafe[sel],
                             "lsoa_code": self.lsoa_code[sel], "lsoa_name": self.lsoa_name[sel],
                             "imd_decile": self.imd_decile[sel]})


def _points_in_cells(grid: CellGrid, layer) -> np.ndarray:
    if layer is None or len(layer) == 0:
        return np.zeros(len(grid), dtype=np.int64)
    p = grid.positions(np.asarray(layer.geometry.x, float), np.asarray(layer.geometry.y, float))
    return np.bincount(p[p >= 0], minlength=len(grid)).astype(np.int64)


def count_cells(grid: CellGrid, pos: np.ndarray, crimes, mask: np.ndarray | None, boundaries: gpd.GeoDataFrame, *,
                harm_weights: dict[str, float] | None = None, pubs=None, streetsafe=None, imd=None) -> CellCounts:
    """Crimes, harm, pubs and StreetSafe reports per cell, and each cell's LSOA.

    Parameters
    ----------
    grid, pos : from :func:`build_grid` (``pos`` = each crime's cell)
    crimes : the crimes table (``crime_type`` is used for harm)
    mask : the crimes analysed (all when None)
    boundaries : the LSOA polygons the grid was built on (``lsoa_code``, ``lsoa_name``)
    harm_weights : harm per crime type (default: the CCHI-style defaults of :mod:`hotspots.harm`)
    pubs, streetsafe : point layers in EPSG:27700, or None
    imd : deprivation table with ``lsoa_code``, ``imd_decile``, or None
    """
    from ..harm import DEFAULT_HARM_WEIGHTS

    m = len(grid)
    sel = np.ones(len(pos), dtype=bool) if mask is None else np.asarray(mask, bool)
    p = np.asarray(pos)[sel]
    weights = harm_weights or DEFAULT_HARM_WEIGHTS
    ct = crimes["crime_type"].array
    cat = ct if hasattr(ct, "categories") else pd.Categorical(ct)
    per_cat = np.array([float(weights.get(str(c), 0.0)) for c in cat.categories] + [0.0])
    w = per_cat[np.asarray(cat.codes)[sel]]
    if "harm_w" in crimes.columns:  # a records extract weighed by offence (hotspots.data.offence_codes)
        w = crimes["harm_w"].to_numpy(float)[sel]
    crimes_n = np.bincount(p, minlength=m).astype(np.int64)
    harm = np.bincount(p, weights=w, minlength=m)
    codes = boundaries["lsoa_code"].to_numpy(dtype=object)
    names = boundaries["lsoa_name"].to_numpy(dtype=object)
    at = np.where(grid.lsoa >= 0, grid.lsoa, len(codes))  # no LSOA: the entry appended after the last
    lsoa_code = np.append(codes, "").astype(object)[at]
    lsoa_name = np.append(names, "").astype(object)[at]
    decile = np.full(m, np.nan)
    if imd is not None and len(imd):
        d = imd.drop_duplicates("lsoa_code").set_index("lsoa_code")["imd_decile"]
        per_lsoa = pd.Series(codes).map(d).astype(float).to_numpy()
        decile = np.append(per_lsoa, np.nan)[at]
    return CellCounts(grid=grid, crimes=crimes_n, harm=harm, pubs=_points_in_cells(grid, pubs),
                      streetsafe=_points_in_cells(grid, streetsafe), lsoa_code=lsoa_code, lsoa_name=lsoa_name,
                      imd_decile=decile)
