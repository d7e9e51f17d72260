"""The space-time cube: crimes per unit x month x crime type, built once, sliced many times.

Everything that reads the data over time (emerging hot spots, trends, stability, the GUI's
month slider) asks the same question: how many crimes of these types fell in each unit in
each month? The cube answers it from memory. It is built once from the loaded crimes table
(one integer code per crime for the unit, the month and the type) and keeps only the
occupied (unit, month, type) bins with their counts, as sorted integer keys: Kent 2021
(209k crimes, 1,065 LSOAs, 12 months, 14 types) packs into about 60k bins, and a query for any
set of types and months is one mask and one ``np.bincount`` over them (well under a
millisecond), so the GUI can re-run a filter or redraw a month without re-reading a file.

Units are any integer ids ``0..n_units-1`` carried per crime: the LSOA row index that the
reader assigns (``crimes["lsoa"]``) or the micro-place grid cell of each crime (an array of
cell ids, ``-1`` for crimes in no cell). Harm is not stored: it is the count weighted by a
per-type weight at query time, so any harm table (the CCHI defaults or a force's own) works
on the same cube.

The month axis is contiguous: months between the first and the last with no crime at all
are present with zero counts, because the Gi* neighbourhood in time and the Mann-Kendall
test assume equally spaced steps (ArcGIS's Create Space Time Cube does the same).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["SpaceTimeCube", "month_range", "shift_month"]

#: dense (unit x month x type) bincount below this many bins; sorted unique keys above it
_DENSE_LIMIT = 4_000_000


def month_range(first: str, last: str) -> tuple[str, ...]:
    """Every month from ``first`` to ``last`` inclusive, as ``YYYY-MM``."""
    y0, m0 = int(first[:4]), int(first[5:7])
    y1, m1 = int(last[:4]), int(last[5:7])
    k0, k1 = y0 * 12 + m0 - 1, y1 * 12 + m1 - 1
    return tuple(f"{k // 12:04d}-{k % 12 + 1:02d}" for k in range(k0, k1 + 1))


def shift_month(month: str, steps: int) -> str:
    """The month ``steps`` months after ``month`` (``YYYY-MM``; negative steps go back)."""
    k = int(month[:4]) * 12 + int(month[5:7]) - 1 + int(steps)
    return f"{k // 12:04d}-{k % 12 + 1:02d}"


@dataclass(frozen=True)
class SpaceTimeCube:
    """Counts per (unit, month, crime type), stored as the occupied bins only.

    Attributes
    ----------
    n_units : number of units (LSOAs or grid cells); unit ids are ``0..n_units-1``.
    months : the contiguous month axis, ``YYYY-MM``.
    types : crime type names (police.uk categories as loaded).
    keys : sorted flat bin keys ``(unit * n_months + month) * n_types + type``.
    counts : crimes in each bin of ``keys``.
    dropped : crimes left out because they carry no unit (``-1``: outside every cell).
    """

    n_units: int
    months: tuple[str, ...]
    types: tuple[str, ...]
    keys: np.ndarray
    counts: np.ndarray
    dropped: int = 0

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_codes(cls, unit: np.ndarray, month: np.ndarray, crime_type: np.ndarray, *, n_units: int,
                   months: Sequence[str], types: Sequence[str]) -> SpaceTimeCube:
        """From one integer code per crime (unit id, month index into ``months``, type index)."""
        unit = np.asarray(unit, dtype=np.int64)
        month = np.asarray(month)
        crime_type = np.asarray(crime_type)
        n_t, n_k = len(months), len(types)
        key = (unit * n_t + month) * n_k + crime_type
        ok = (unit >= 0) & (unit < n_units) & (month >= 0) & (month < n_t) & (crime_type >= 0) & (crime_type < n_k)
        dropped = len(ok) - int(np.count_nonzero(ok))
        if dropped:
            key = key[ok]
        size = int(n_units) * n_t * n_k
        if size <= _DENSE_LIMIT:
            full = np.bincount(key, minlength=size)
            keys = np.flatnonzero(full)
            counts = full[keys]
        else:
            keys, counts = np.unique(key, return_counts=True)
        return cls(int(n_units), tuple(months), tuple(str(t) for t in types), keys.astype(np.int64),
                   counts.astype(np.int64), dropped)

    @classmethod
    def from_crimes(cls, crimes: pd.DataFrame, *, units: str | np.ndarray = "lsoa",
                    n_units: int | None = None) -> SpaceTimeCube:
        """From the loaded crimes table (``month``, ``crime_type`` and a unit id per row).

        Parameters
        ----------
        crimes : the table from :func:`hotspots.data.crimes.read_crimes`.
        units : a column name (``"lsoa"``: the row index of each crime's LSOA) or an array of
            unit ids aligned with the rows (grid cell ids; ``-1`` = no cell, dropped and counted).
        n_units : number of units (``len(boundaries)`` for LSOAs); by default the largest id + 1.
        """
        u = crimes[units].to_numpy() if isinstance(units, str) else np.asarray(units)
        if len(u) != len(crimes):
            raise ValueError(f"{len(u)} unit ids for {len(crimes)} crimes")
        u = u.astype(np.int64, copy=False)
        if n_units is None:
            n_units = int(u.max()) + 1 if len(u) else 0
        month = crimes["month"]
        if not isinstance(month.dtype, pd.CategoricalDtype):
            month = month.astype(str).astype("category")
        cats = [str(c) for c in month.cat.categories]
        codes = np.asarray(month.cat.codes)
        seen = np.bincount(codes.astype(np.int64) + 1, minlength=len(cats) + 1)[1:] > 0
        used = sorted(c for c, s in zip(cats, seen, strict=True) if s)
        axis = month_range(used[0], used[-1]) if used else ()
        pos = {m: i for i, m in enumerate(axis)}
        # a trailing -1 so that a missing month (code -1) maps to -1 and is dropped
        cat_to_axis = np.array([pos.get(c, -1) for c in cats] + [-1], dtype=np.int64)
        month_idx = cat_to_axis[codes]
        ctype = crimes["crime_type"]
        if not isinstance(ctype.dtype, pd.CategoricalDtype):
            ctype = ctype.astype(str).astype("category")
        return cls.from_codes(u, month_idx, ctype.cat.codes.to_numpy(), n_units=int(n_units),
                              months=axis, types=[str(t) for t in ctype.cat.categories])

    # ------------------------------------------------------------------ decoding
    @property
    def n_months(self) -> int:
        return len(self.months)

    @property
    def n_bins(self) -> int:
        """Occupied (unit, month, type) bins held."""
        return int(len(self.keys))

    @property
    def total(self) -> int:
        return int(self.counts.sum())

    def _parts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n_k, n_t = len(self.types), len(self.months)
        k = self.keys % n_k
        rest = self.keys // n_k
        return rest // n_t, rest % n_t, k

    def month_slice(self, month_from: str | None = None, month_to: str | None = None) -> slice:
        """Positions on the month axis of ``month_from..month_to`` (inclusive; open ends allowed)."""
        lo = 0 if not month_from else int(np.searchsorted(np.array(self.months), month_from, side="left"))
        hi = len(self.months) if not month_to else int(np.searchsorted(np.array(self.months), month_to, side="right"))
        return slice(lo, max(lo, hi))

    def _type_weights(self, crime_types: Iterable[str] | None, measure: str,
                      harm_weights: Mapping[str, float] | None) -> np.ndarray:
        if measure not in ("count", "harm"):
            raise ValueError(f"measure must be 'count' or 'harm', not {measure!r}")
        w = np.ones(len(self.types))
        if measure == "harm":
            if harm_weights is None:
                from ..harm import DEFAULT_HARM_WEIGHTS

                harm_weights = DEFAULT_HARM_WEIGHTS
            w = np.array([float(harm_weights.get(t, 0.0)) for t in self.types])
        if crime_types:
            chosen = set(crime_types)
            w = w * np.array([t in chosen for t in self.types], dtype=float)
        return w

    # ------------------------------------------------------------------ queries
    def matrix(self, crime_types: Iterable[str] | None = None, month_from: str | None = None,
               month_to: str | None = None, *, measure: str = "count",
               harm_weights: Mapping[str, float] | None = None) -> np.ndarray:
        """Units x months array of counts (or harm) for the chosen types and months.

        ``crime_types`` None means all types; months are inclusive ``YYYY-MM`` bounds (None = open).
        The columns are ``self.months[self.month_slice(month_from, month_to)]``.
        """
        sl = self.month_slice(month_from, month_to)
        n_sel = sl.stop - sl.start
        u, t, k = self._parts()
        w = self._type_weights(crime_types, measure, harm_weights)
        keep = (t >= sl.start) & (t < sl.stop) & (w[k] != 0)
        flat = u[keep] * n_sel + (t[keep] - sl.start)
        out = np.bincount(flat, weights=self.counts[keep] * w[k[keep]], minlength=self.n_units * n_sel)
        return out.reshape(self.n_units, n_sel)

    def month_counts(self, month: str, crime_types: Iterable[str] | None = None, *, measure: str = "count",
                     harm_weights: Mapping[str, float] | None = None) -> np.ndarray:
        """One month's counts (or harm) per unit: what the GUI's month slider draws."""
        return self.matrix(crime_types, month, month, measure=measure, harm_weights=harm_weights)[:, 0]

    def totals(self, crime_types: Iterable[str] | None = None, month_from: str | None = None,
               month_to: str | None = None, *, measure: str = "count",
               harm_weights: Mapping[str, float] | None = None) -> np.ndarray:
        """Counts (or harm) per unit summed over the chosen months."""
        return self.matrix(crime_types, month_from, month_to, measure=measure,
                           harm_weights=harm_weights).sum(axis=1)

    def by_type(self, month_from: str | None = None, month_to: str | None = None) -> dict[str, int]:
        """Crimes per type over the chosen months (all units)."""
        sl = self.month_slice(month_from, month_to)
        _, t, k = self._parts()
        keep = (t >= sl.start) & (t < sl.stop)
        n = np.bincount(k[keep], weights=self.counts[keep], minlength=len(self.types))
        return {name: int(v) for name, v in zip(self.types, n, strict=True) if v}

    def regroup(self, group: np.ndarray, n_groups: int | None = None) -> SpaceTimeCube:
        """The same crimes counted over coarser units: ``group[unit]`` is each unit's new id.

        Used for districts (LSOAs grouped by local authority) or for patrol spots made of
        grid cells; ids ``-1`` drop the unit's crimes (counted in ``dropped``).
        """
        group = np.asarray(group, dtype=np.int64)
        if len(group) != self.n_units:
            raise ValueError(f"{len(group)} group ids for {self.n_units} units")
        n_groups = int(group.max()) + 1 if n_groups is None else int(n_groups)
        u, t, k = self._parts()
        g = group[u]
        ok = g >= 0
        key = (g[ok] * len(self.months) + t[ok]) * len(self.types) + k[ok]
        keys, inv = np.unique(key, return_inverse=True)
        counts = np.bincount(inv.ravel(), weights=self.counts[ok], minlength=len(keys)).astype(np.int64)
        return SpaceTimeCube(n_groups, self.months, self.types, keys, counts,
                             self.dropped + int(self.counts[~ok].sum()))
