"""Micro-place units: a sparse square grid over the study area in EPSG:27700.

Hot-spot policing works on places of about a street segment or 150 m (Sherman and Weisburd
1995; Braga, Turchan, Papachristos and Hureau 2019; College of Policing hot-spot guidance), far
smaller than an LSOA. A county at 150 m is ~166,000 cells of which most hold no crime, so the
grid is *sparse*: only the cells that hold a point, and their eight (queen) neighbours, are
materialised. Everything else about the empty cells (how many there are, the Gi* they would
get) is known analytically, so no array is ever as long as the full grid.

Conventions
-----------
- Cells are aligned on multiples of ``cell`` metres from the British National Grid origin, so
  a cell's id ``E{x0}N{y0}`` (its lower-left corner in metres) is the same in every run,
  every study and every filter: ``E551850N156300`` is the same 150 m square for everyone.
- A point at ``(x, y)`` lies in column ``floor(x / cell)``, row ``floor(y / cell)`` (a point on
  an edge goes to the cell above / to the right: half-open squares, as a point-in-polygon
  count with half-open squares would say).
- The grid (the set of cells a statistic runs over) is every cell whose centre lies in the
  study boundaries plus every cell that holds a point (a coastal cell holding a crime counts
  even when its centre is in the sea). ``n_cells`` counts them exactly by scan lines through
  the LSOA polygons, without materialising them.
- A cell's LSOA is the one most of its crimes were placed in (crimes carry their LSOA from
  the reader's point-in-polygon); a cell holding no crime takes the LSOA of its centre.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from ..limits import CELL_DEFAULT, CELL_MAX, CELL_MIN, check_cell
from .placement import assign_lsoa

__all__ = ["CELL_DEFAULT", "CELL_MIN", "CELL_MAX", "CellGrid", "build_grid", "check_cell", "cell_ids",
           "grid_keys", "keys_from_ids", "count_centres_inside", "drop_dense", "DENSE_MAX"]

#: keys pack (col, row) into one int64: col * _SHIFT + row, both offset to stay positive
_SHIFT = np.int64(1 << 32)
_OFF = np.int64(1 << 30)
_ID = re.compile(r"E(-?\d+)N(-?\d+)")
#: the 3 x 3 window (queen neighbours plus the cell itself), centre first
WINDOW = [(0, 0)] + [(dc, dr) for dc in (-1, 0, 1) for dr in (-1, 0, 1) if (dc, dr) != (0, 0)]


def _key(col: np.ndarray, row: np.ndarray) -> np.ndarray:
    return (np.asarray(col, np.int64) + _OFF) * _SHIFT + (np.asarray(row, np.int64) + _OFF)


def grid_keys(x: np.ndarray, y: np.ndarray, cell: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Column, row and packed key of the cell holding each point (EPSG:27700 metres)."""
    col = np.floor(np.asarray(x, float) / cell).astype(np.int64)
    row = np.floor(np.asarray(y, float) / cell).astype(np.int64)
    return col, row, _key(col, row)


def cell_ids(col: np.ndarray, row: np.ndarray, cell: float) -> np.ndarray:
    """Stable ids ``E{x0}N{y0}`` of the cells' lower-left corners (whole metres)."""
    x0 = np.asarray(col, np.int64) * int(round(cell)) if float(cell).is_integer() else None
    if x0 is None:
        return np.array([f"E{c * cell:.0f}N{r * cell:.0f}" for c, r in zip(col, row, strict=True)], dtype=object)
    y0 = np.asarray(row, np.int64) * int(round(cell))
    return np.array([f"E{a}N{b}" for a, b in zip(x0.tolist(), y0.tolist(), strict=True)], dtype=object)


def keys_from_ids(ids, cell: float) -> np.ndarray:
    """Packed keys of cell ids ``E{x0}N{y0}`` (the inverse of :func:`cell_ids`)."""
    out = np.empty(len(ids), dtype=np.int64)
    for k, text in enumerate(ids):
        m = _ID.fullmatch(str(text))
        if not m:
            raise ValueError(f"not a cell id: {text!r}")
        out[k] = _key(np.int64(round(float(m.group(1)) / cell)), np.int64(round(float(m.group(2)) / cell)))
    return out


def count_centres_inside(polygons: np.ndarray, cell: float) -> int:
    """How many grid-cell centres ``((c + 0.5) cell, (r + 0.5) cell)`` lie in ``polygons``.

    By scan lines (:mod:`hotspots.units.scanline`): one number per edge crossing, never one
    object per cell. Overlapping polygons would count a centre twice; LSOA boundaries tile the
    country, so only slivers of generalised boundaries do.
    """
    from .scanline import count_centres

    return count_centres(polygons, cell)


@dataclass(frozen=True)
class CellGrid:
    """The materialised cells of a sparse grid (sorted by key) and the size of the full grid.

    Attributes
    ----------
    cell : side in metres
    col, row : grid position of each materialised cell (lower-left corner = ``col * cell``)
    key : packed ``(col, row)``, sorted ascending (the cells' order everywhere)
    occupied : the cell holds at least one of the points the grid was built from
    in_grid : the cell is one of the ``n_cells`` grid cells (centre in the study area, or occupied)
    window : how many grid cells its 3 x 3 window holds (itself included): Gi*'s W_i
    lsoa : row index into the boundaries of the cell's LSOA (-1 for none)
    n_cells : cells in the full grid, materialised or not
    """

    cell: float
    col: np.ndarray
    row: np.ndarray
    key: np.ndarray
    occupied: np.ndarray
    in_grid: np.ndarray
    window: np.ndarray
    lsoa: np.ndarray
    n_cells: int

    def __len__(self) -> int:
        return len(self.key)

    @property
    def cell_km2(self) -> float:
        return self.cell * self.cell / 1e6

    @property
    def ids(self) -> np.ndarray:
        """Ids of every materialised cell (builds strings: prefer :meth:`ids_at` for a few)."""
        return cell_ids(self.col, self.row, self.cell)

    def ids_at(self, pos: np.ndarray) -> np.ndarray:
        """Ids of the cells at ``pos``."""
        return cell_ids(self.col[pos], self.row[pos], self.cell)

    def positions(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Position of the materialised cell holding each point (-1 where none is).

        On the dense table the point's column and row index it straight away (as floats: exact
        for whole numbers, and NaN fails every bound), never packed into a key and unpacked."""
        dense = _dense_for(self, len(x)) if len(self.key) else None
        if dense is None:  # sorted keys: a point with no coordinates has no cell (its key would be noise)
            x, y = np.asarray(x, float), np.asarray(y, float)
            out, ok = np.full(len(x), -1, dtype=np.int64), np.isfinite(x) & np.isfinite(y)
            out[ok] = self.lookup(grid_keys(x[ok], y[ok], self.cell)[2])
            return out
        c0, r0, nrows, table = dense
        col = np.floor(np.asarray(x, float) / self.cell) - c0
        row = np.floor(np.asarray(y, float) / self.cell) - r0
        ok = (col >= 0) & (col < len(table) // nrows) & (row >= 0) & (row < nrows)
        if ok.all():
            return table[col.astype(np.int64) * nrows + row.astype(np.int64)].astype(np.int64)
        out = np.full(len(col), -1, dtype=np.int64)
        out[ok] = table[col[ok].astype(np.int64) * nrows + row[ok].astype(np.int64)]
        return out

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """Position of each packed key among the materialised cells (-1 where absent).

        A dense table of positions over the cells' bounding box answers by indexing when it is
        small enough (England at 150 m: 17 M entries, 69 MB); a binary search over millions of
        sorted keys costs ~20 cache misses a key (the window sums made 18 such searches)."""
        keys = np.asarray(keys, np.int64)
        if len(self.key) == 0:
            return np.full(len(keys), -1, dtype=np.int64)
        dense = _dense_for(self, len(keys))
        if dense is not None:
            c0, r0, nrows, table = dense
            col, row = keys // _SHIFT - _OFF - c0, keys % _SHIFT - _OFF - r0
            ok = (col >= 0) & (col < len(table) // nrows) & (row >= 0) & (row < nrows)
            out = np.full(len(keys), -1, dtype=np.int64)
            out[ok] = table[col[ok] * nrows + row[ok]]
            return out
        pos = np.searchsorted(self.key, keys)
        pos = np.minimum(pos, len(self.key) - 1)
        return np.where(self.key[pos] == keys, pos, -1)

    def neighbours(self, dc: int, dr: int) -> np.ndarray:
        """Position of each cell's neighbour at offset ``(dc, dr)`` (-1 where not materialised)."""
        inner = _inner(self)
        if inner is not None:
            flat, nrows, table = inner
            return table[flat + (dc * nrows + dr)].astype(np.int64)
        return self.lookup(_key(self.col + dc, self.row + dr))

    def window_sum(self, values: np.ndarray) -> np.ndarray:
        """Sum of ``values`` over each materialised cell's 3 x 3 window (cells not materialised are 0).

        Added in :data:`WINDOW`'s order, centre first, so a sum of fractions (harm) is the same
        to the last bit however the neighbours are found; on the dense table a missing
        neighbour (-1) reads the 0 appended to the values (``s + 0.0`` is ``s``)."""
        v = np.asarray(values, float)
        out = np.zeros(len(self.key))
        inner = _inner(self)
        if inner is not None and len(v) == len(self.key):
            flat, nrows, table = inner
            vx = np.append(v, 0.0)
            for dc, dr in WINDOW:
                out += vx[table[flat + (dc * nrows + dr)]]
            return out
        for dc, dr in WINDOW:
            nb = self.neighbours(dc, dr)
            ok = nb >= 0
            out[ok] += v[nb[ok]]
        return out

    def centres(self, pos: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Cell-centre coordinates (EPSG:27700) of ``pos`` (all materialised cells by default)."""
        pos = slice(None) if pos is None else pos
        return (self.col[pos] + 0.5) * self.cell, (self.row[pos] + 0.5) * self.cell

    def boxes(self, pos: np.ndarray) -> np.ndarray:
        """Shapely squares of the cells at ``pos`` (EPSG:27700)."""
        x0, y0 = self.col[pos] * self.cell, self.row[pos] * self.cell
        return shapely.box(x0, y0, x0 + self.cell, y0 + self.cell)


#: largest dense position table (entries) a grid builds for its lookups
DENSE_MAX = 32_000_000


def _dense_table(grid: CellGrid) -> tuple[int, int, int, np.ndarray] | None:
    """(first column, first row, rows, positions) of the grid's bounding box, built once per
    grid (int32, -1 where no cell is materialised), or None when the box is too large."""
    cached = grid.__dict__.get("_dense")
    if cached is not None:
        return cached or None
    c0, r0 = int(grid.col.min()) - 1, int(grid.row.min()) - 1  # a margin of one: every window is inside
    ncols, nrows = int(grid.col.max()) - c0 + 2, int(grid.row.max()) - r0 + 2
    if ncols * nrows > DENSE_MAX or len(grid.key) >= 2**31:
        object.__setattr__(grid, "_dense", ())
        return None
    table = np.full(ncols * nrows, -1, dtype=np.int32)
    table[(grid.col - c0) * nrows + (grid.row - r0)] = np.arange(len(grid.key), dtype=np.int32)
    dense = (c0, r0, nrows, table)
    object.__setattr__(grid, "_dense", dense)
    return dense


#: fewer lookups search the sorted keys when the table is not built (England: ~0.3 s to build again)
FEW_LOOKUPS = 50_000


def _dense_for(grid: CellGrid, n: int) -> tuple[int, int, int, np.ndarray] | None:
    """The dense table for ``n`` lookups: the one built, else built now unless ``n`` is few."""
    return _dense_table(grid) if grid.__dict__.get("_dense") is not None or n >= FEW_LOOKUPS else None


def _inner(grid: CellGrid) -> tuple[np.ndarray, int, np.ndarray] | None:
    """(each cell's flat index in the dense table, rows, table) when every cell's 3 x 3 window
    lies inside the table's box (so ``flat + dc * rows + dr`` is its neighbour's entry), else None."""
    dense = _dense_table(grid) if len(grid.key) else None
    if dense is None:
        return None
    c0, r0, nrows, table = dense
    col, row = grid.col - c0, grid.row - r0
    if col.min() < 1 or row.min() < 1 or col.max() > len(table) // nrows - 2 or row.max() > nrows - 2:
        return None
    return col * nrows + row, nrows, table


def drop_dense(grid: CellGrid) -> None:
    """Free the grid's dense position table (rebuilt on the next lookup): 69 MB for England."""
    grid.__dict__.pop("_dense", None)


def _mode_lsoa(pos: np.ndarray, lsoa: np.ndarray, m: int) -> np.ndarray:
    """Most frequent LSOA among the points of each cell (lowest index on ties; -1 if none)."""
    out = np.full(m, -1, dtype=np.int32)
    ok = (pos >= 0) & (lsoa >= 0)
    if not ok.any():
        return out
    if not ok.all():
        pos, lsoa = pos[ok], lsoa[ok]
    pos, lsoa = pos.astype(np.int64, copy=False), lsoa.astype(np.int64, copy=False)  # read only below
    # most cells hold one LSOA's points: their lowest and highest LSOA agree and that is the
    # mode; only the points of the other cells are counted (sorting all of them cost ~1 s nationally)
    lo, hi = np.full(m, np.iinfo(np.int64).max, dtype=np.int64), np.full(m, -1, dtype=np.int64)
    np.minimum.at(lo, pos, lsoa)
    np.maximum.at(hi, pos, lsoa)
    one = lo == hi
    out[one] = lo[one]
    mixed = ~one[pos]
    pos, lsoa = pos[mixed], lsoa[mixed]
    if not len(pos):
        return out
    pk = np.sort(pos * _SHIFT + lsoa)  # np.unique's counts, by a sort (see sorted_unique)
    starts = np.flatnonzero(np.r_[True, pk[1:] != pk[:-1]])
    counts, pk = np.diff(np.r_[starts, len(pk)]), pk[starts]
    cells, areas = pk // _SHIFT, pk % _SHIFT
    # order by cell, then count descending, then LSOA ascending: the first row of a cell wins
    order = np.lexsort((areas, -counts, cells))
    pairs = np.column_stack([cells[order], areas[order]])
    first = np.r_[True, pairs[1:, 0] != pairs[:-1, 0]]
    out[pairs[first, 0]] = pairs[first, 1]
    return out


def sorted_unique(keys: np.ndarray) -> np.ndarray:
    """``np.unique(keys)`` by sorting: numpy 2.4's ``unique`` takes a hash path for plain integer
    arrays that is 60x slower here (5M int64 keys: 5.9 s against 0.09 s)."""
    s = np.sort(np.asarray(keys))
    if len(s) < 2:
        return s
    return s[np.r_[True, s[1:] != s[:-1]]]


def build_grid(boundaries: gpd.GeoDataFrame, x: np.ndarray, y: np.ndarray, cell: float = CELL_DEFAULT,
               lsoa: np.ndarray | None = None, *, dense: bool = True) -> tuple[CellGrid, np.ndarray]:
    """Materialise the cells holding the points ``(x, y)`` and their queen neighbours.

    Parameters
    ----------
    boundaries : the study's LSOA polygons in EPSG:27700 (``geometry``)
    x, y : points inside the study (crimes, and optionally pubs and reports), EPSG:27700
    cell : side in metres (50-500)
    lsoa : the LSOA row of each point where known (crimes carry it); else placed by centre
    dense : build on a raster of the points' bounding box when it is small enough
        (:mod:`hotspots.units.grid_dense`; False: the sorted-set build it is pinned to)

    Returns
    -------
    grid : the :class:`CellGrid`
    pos : position of each point's cell in ``grid``
    """
    cell = check_cell(cell)
    x, y = np.asarray(x, float), np.asarray(y, float)
    polys = boundaries.geometry.values
    col = np.floor(x / cell).astype(np.int64)  # grid_keys' columns and rows; the raster needs no keys
    row = np.floor(y / cell).astype(np.int64)
    if dense:
        from .grid_dense import dense_rings

        d = dense_rings(col, row, polys, cell, DENSE_MAX)
        if d is not None:
            return _grid_from_dense(d, cell, lsoa)
    key = _key(col, row)
    occ_key, inverse = np.unique(key, return_inverse=True)
    occ_col = occ_key // _SHIFT - _OFF
    occ_row = occ_key % _SHIFT - _OFF
    # ring 1 is materialised; ring 2 is only tested for grid membership (for the ring-1 W_i)
    ring1 = sorted_unique(np.concatenate([_key(occ_col + dc, occ_row + dr) for dc, dr in WINDOW]))
    r1_col, r1_row = ring1 // _SHIFT - _OFF, ring1 % _SHIFT - _OFF
    ring2 = sorted_unique(np.concatenate([_key(r1_col + dc, r1_row + dr) for dc, dr in WINDOW]))
    r2_col, r2_row = ring2 // _SHIFT - _OFF, ring2 % _SHIFT - _OFF
    centre_lsoa = assign_lsoa((r2_col + 0.5) * cell, (r2_row + 0.5) * cell, polys, unique=True)
    r2_member = (centre_lsoa >= 0) | np.isin(ring2, occ_key, assume_unique=True)

    def member(keys: np.ndarray) -> np.ndarray:
        p = np.searchsorted(ring2, keys)
        return r2_member[np.minimum(p, len(ring2) - 1)] & (ring2[np.minimum(p, len(ring2) - 1)] == keys)

    window = np.zeros(len(ring1), dtype=np.int8)
    for dc, dr in WINDOW:
        window += member(_key(r1_col + dc, r1_row + dr))
    pos_in_r2 = np.searchsorted(ring2, ring1)
    in_grid = r2_member[pos_in_r2]
    occupied = np.isin(ring1, occ_key, assume_unique=True)
    pos = np.searchsorted(ring1, occ_key)[inverse]
    cell_lsoa = centre_lsoa[pos_in_r2].astype(np.int32)
    if lsoa is not None:
        voted = _mode_lsoa(pos, np.asarray(lsoa, np.int64), len(ring1))
        cell_lsoa = np.where(voted >= 0, voted, cell_lsoa).astype(np.int32)
    inside_centres = count_centres_inside(polys, cell)
    occ_centre_out = int((occupied & (centre_lsoa[pos_in_r2] < 0)).sum())
    grid = CellGrid(cell=cell, col=r1_col, row=r1_row, key=ring1, occupied=occupied, in_grid=in_grid,
                    window=window, lsoa=cell_lsoa, n_cells=inside_centres + occ_centre_out)
    return grid, pos.astype(np.int64)


def _grid_from_dense(d: dict, cell: float, lsoa: np.ndarray | None) -> tuple:
    """``(CellGrid, pos)`` from :func:`hotspots.units.grid_dense.dense_rings`' arrays (``lsoa``: the points' LSOA rows, which
    vote for their cell's LSOA as in :func:`build_grid`)."""
    nrows = d["nrows"]
    r1 = d["ring1"]
    r1_col, r1_row = r1 // nrows + d["c0"], r1 % nrows + d["r0"]
    pos = d["pos"]
    cell_lsoa = d["centre_lsoa"].astype(np.int32)
    if lsoa is not None:
        voted = _mode_lsoa(pos, np.asarray(lsoa, np.int64), len(r1))
        cell_lsoa = np.where(voted >= 0, voted, cell_lsoa).astype(np.int32)
    occ_centre_out = int((d["occupied"] & (d["centre_lsoa"] < 0)).sum())
    grid = CellGrid(cell=cell, col=r1_col, row=r1_row, key=_key(r1_col, r1_row), occupied=d["occupied"],
                    in_grid=d["in_grid"], window=d["window"].astype(np.int8), lsoa=cell_lsoa,
                    n_cells=d["inside_centres"] + occ_centre_out)
    object.__setattr__(grid, "_dense", (d["c0"], d["r0"], nrows, d["rank"]))  # the lookups' table, already built
    return grid, pos
