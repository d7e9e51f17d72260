"""The ranges every analysis setting must fall in, checked before any file is read.

``Settings.validated`` names each setting's own rule (a known measure, months in order);
this module adds the limits that keep a value from reaching the statistics as something
they cannot use: a seed NumPy's RandomState refuses (``-1``, ``2**40``), a distance band of
``nan`` or ``1e12`` metres (every LSOA in Britain a neighbour of every other, an O(n²) graph),
a thread count of zero, a permutation count that is text. Each failure is one DataError that
names the setting, so the CLI says the flag and the GUI the field.
"""

from __future__ import annotations

import math
from typing import Any

from .data.errors import DataError

__all__ = ["check_limits", "SEED_MAX", "MAX_DISTANCE_M", "MAX_KNN", "MEASURES", "ZONES_DEFAULT", "ZONE_SHARE_DEFAULT",
           "check_spots", "check_zones", "check_zone_share", "check_cell", "parse_weights_spec", "CELL_DEFAULT",
           "CELL_MIN", "CELL_MAX"]

SEED_MAX = 2**32 - 1  #: NumPy's RandomState (esda's draws) takes seeds 0 .. 2**32 - 1
MAX_DISTANCE_M = 200_000.0  #: wider than any police force area; beyond it every unit is a neighbour
MAX_KNN = 100

#: the measures a study can rank by, and their words in the outputs (the per-LSOA table
#: computes them: :mod:`hotspots.lsoa.table`)
MEASURES = {
    "count": "crimes (count)",
    "harm": "crime harm (CCHI-weighted days)",
    "rate": "crimes per 1,000 residents",
    "density": "crimes per km²",
}
#: the share of the ranked measure the candidate cells hold (see the module notes; measured on Kent)
ZONE_SHARE_DEFAULT = 0.35
#: at most this many zones
ZONES_DEFAULT = 40
#: the micro-place cell side in metres: the default and the range (:mod:`hotspots.units.grid`)
CELL_DEFAULT = 150.0
CELL_MIN, CELL_MAX = 50.0, 500.0

# The two parsers below live here, with no NumPy, pandas or GEOS import, because the CLI checks
# the settings before it starts reading a nation's crime files on a thread: importing them from
# hotspots.stats and hotspots.units (pandas, geopandas) held that read back ~0.35 s.


def check_cell(cell: float) -> float:
    """The cell size in metres, checked (``DataError`` naming ``--cell`` if out of range)."""
    try:
        c = float(cell)
    except (TypeError, ValueError):
        raise DataError(None, f"'{cell}' is not a number of metres", hint="use e.g. 150", setting="cell") from None
    if not (CELL_MIN <= c <= CELL_MAX) or c != c:
        raise DataError(None, f"{cell} m is out of range",
                        hint=f"use {CELL_MIN:.0f} to {CELL_MAX:.0f} metres (default {CELL_DEFAULT:.0f})", setting="cell")
    return c


def parse_weights_spec(spec: str) -> tuple[str, float | int | None]:
    """``queen``, ``rook``, ``knn:K`` or ``distance:METRES`` -> (kind, parameter)."""
    s = str(spec).strip().lower()
    if s in ("queen", "rook"):
        return s, None
    kind, _, arg = s.partition(":")
    try:
        if kind == "knn":
            k = int(arg)
            if k < 1:
                raise ValueError
            return "knn", k
        if kind in ("distance", "dist", "band"):
            d = float(arg)
            if d <= 0:
                raise ValueError
            return "distance", d
    except ValueError:
        pass
    raise DataError(None, f"cannot read weights '{spec}'",
                    hint="use queen, rook, knn:K (e.g. knn:6) or distance:METRES (e.g. distance:1500)", setting="weights")


def _whole(value: Any, setting: str, lo: int, hi: int, hint: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise DataError(None, f"{value!r} is not a whole number from {lo:,} to {hi:,}", hint=hint, setting=setting)


def check_limits(s: Any) -> None:
    """Raise a DataError naming the first setting of ``s`` (a Settings) outside its limits."""
    _whole(s.seed, "seed", 0, SEED_MAX, f"use a whole number from 0 to {SEED_MAX:,} (default 12345)")
    _whole(s.permutations, "permutations", -(2**63), 2**63 - 1, "use 99 to 99999 (default 999)")  # range: validated()
    if s.n_jobs != -1:
        _whole(s.n_jobs, "n_jobs", 1, 1024, "use 1 or more threads (default 2)")
    alpha = s.alpha
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not math.isfinite(alpha) \
            or not 0 < alpha < 1:
        raise DataError(None, f"{alpha!r} is not a number between 0 and 1", hint="use e.g. 0.05", setting="alpha")
    if not isinstance(s.weights, str):
        raise DataError(None, f"{s.weights!r} is not a weights name", setting="weights",
                        hint="use queen, rook, knn:K or distance:METRES")
    kind, arg = parse_weights_spec(s.weights)
    if kind == "distance" and not (math.isfinite(arg) and 1 <= arg <= MAX_DISTANCE_M):
        raise DataError(None, f"a distance band of {arg:g} metres cannot be used", setting="weights",
                        hint=f"use distance:METRES with 1 to {MAX_DISTANCE_M:,.0f} metres (e.g. distance:1500)")
    if kind == "knn" and not 1 <= int(arg) <= MAX_KNN:
        raise DataError(None, f"knn:{arg} asks for too many neighbours", setting="weights",
                        hint=f"use knn:K with K from 1 to {MAX_KNN} (e.g. knn:6)")
    if s.harm_weights is not None:
        if not isinstance(s.harm_weights, dict):
            raise DataError(None, "harm weights must map crime types to numbers", setting="harm_weights",
                            hint="give category,weight pairs")
        for name, w in s.harm_weights.items():
            if isinstance(w, bool) or not isinstance(w, (int, float)) or not math.isfinite(w) or w < 0:
                raise DataError(None, f"the harm weight of {name!r} is {w!r}, not a number of 0 or more",
                                setting="harm_weights", hint="give each crime type a weight of 0 or more")
    if s.crime_types is not None and (not isinstance(s.crime_types, list)
                                      or not all(isinstance(t, str) for t in s.crime_types)):
        raise DataError(None, f"{s.crime_types!r} is not a list of crime type names", setting="crime_types",
                        hint="name police.uk categories, e.g. 'Burglary' or burglary")


# The rules of the plan settings, here beside the settings (the ground) so that
# Settings.validated never imports the stages that use them (:mod:`hotspots.plans`).


def check_spots(n: object) -> int:
    """The number of patrol spots, checked (``DataError`` naming the setting if out of range)."""
    try:
        k = int(n)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise DataError(None, f"'{n}' is not a whole number", hint="use e.g. 20", setting="spots") from None
    if k != n and not (isinstance(n, str) and str(k) == n.strip()):
        raise DataError(None, f"'{n}' is not a whole number", hint="use e.g. 20", setting="spots")
    if not 1 <= k <= 500:
        raise DataError(None, f"{n} is out of range", hint="use 1 to 500 (default 20)", setting="spots")
    return k


def check_zones(n: object) -> int:
    """The most zones a plan holds (5-200), checked (``DataError`` naming the setting)."""
    try:
        k = int(str(n).strip()) if isinstance(n, str) else int(n)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise DataError(None, f"'{n}' is not a whole number", hint="use e.g. 40", setting="zones") from None
    if isinstance(n, float) and k != n:
        raise DataError(None, f"'{n}' is not a whole number", hint="use e.g. 40", setting="zones")
    if not 1 <= k <= 200:
        raise DataError(None, f"{n} is out of range", hint=f"use 1 to 200 (default {ZONES_DEFAULT})",
                        setting="zones")
    return k


def check_zone_share(s: object) -> float:
    """The share of the ranked crime the zones' candidate cells hold (0.01-0.9), checked."""
    try:
        v = float(s)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise DataError(None, f"'{s}' is not a number", hint="use a share such as 0.35",
                        setting="zone_share") from None
    if not 0.01 <= v <= 0.9:
        raise DataError(None, f"{s} is out of range",
                        hint=f"use a share from 0.01 to 0.9 (default {ZONE_SHARE_DEFAULT})", setting="zone_share")
    return v
