"""Which district each LSOA is in, from a real source, and never one district per LSOA.

The trend tables, the district chart and the projection group LSOAs by local authority. The
grouping must come from something that says so, in this order:

1. the boundary file's own district column (``LAD21NM``, ``LAD name``; ``LAD21CD`` when it has
   codes only), read with the boundaries (:mod:`hotspots.data.districts`);
2. the deprivation file's ("Local Authority District name (2019)" in every MHCLG file);
3. the ONS LSOA 2011-2021 lookup's (``LAD22NM``);
4. the LSOA name without its code suffix: ONS names LSOAs after their local authority
   ("Maidstone 004F" -> "Maidstone"), accepted only when the names follow that pattern and the
   prefixes group the LSOAs (an average of at least five a district);
5. none of these: **one district** for the whole study, named after the police force whose
   police.uk files were loaded ("Kent Police area"), said as a warning.

Why the care: a boundary file with LSOA codes but no names (a common GeoPackage) used to make
every LSOA its own "district", and the district projection then bootstrapped 33,755 series x 999
draws x 12 months (14 GB). A district count that follows a real grouping is small (England has
about 300), so everything per district stays small too. LSOAs a source does not cover take the
next source's district; any left over join one "other LSOAs" district, counted in the warning.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Districts", "derive_districts", "force_label", "district_time_stage", "MIN_MEAN_LSOAS", "MAX_DISTRICTS"]

#: name prefixes are districts only when they group at least this many LSOAs on average (ONS
#: local authorities hold about 100; the smallest study of several towns still averages dozens)
MIN_MEAN_LSOAS = 10
#: at most this many districts whatever the source (England and Wales have about 330 local
#: authorities): the smallest beyond it are grouped as one, so per-district work stays bounded
MAX_DISTRICTS = 400
#: ... unless there are this few of them (a study of a handful of LSOAs)
_FEW = 12
#: ONS LSOA names: "<local authority> 004F" (2011 and 2021); 4 digits seen in copies ("CopyK 0001A")
_SUFFIX = re.compile(r"^(.*\S)\s+\d{3,4}[A-Z]$")
#: police.uk file names: 2021-01-kent-street.csv
_POLICE_FILE = re.compile(r"^\d{4}-\d{2}-(?P<force>[a-z0-9-]+?)-(street|outcomes|stop-and-search)\.csv$", re.I)
_SMALL_WORDS = {"and", "of", "the"}


@dataclass(frozen=True)
class Districts:
    """The district of each LSOA (in the table's row order), where it came from and any warning."""

    names: np.ndarray
    source: str
    warning: str | None = None

    @property
    def count(self) -> int:
        return int(len(pd.unique(self.names)))

    def lookup(self, codes: Sequence[str]) -> dict[str, str]:
        """``lsoa_code -> district`` (what :class:`~hotspots.timeseries.trends.Trends` takes)."""
        return dict(zip((str(c) for c in codes), (str(n) for n in self.names), strict=True))


def force_label(files: Sequence[str]) -> str | None:
    """"Kent Police area" from police.uk file names (``2021-01-kent-street.csv``); several forces
    are named together; None when no file name says."""
    forces = []
    for f in files:
        m = _POLICE_FILE.match(str(f).replace("\\", "/").rsplit("/", 1)[-1])
        if m and m["force"].lower() not in forces:
            forces.append(m["force"].lower())
    if not forces:
        return None

    def title(slug: str) -> str:
        words = slug.replace("-", " ").split()
        return " ".join(w if w in _SMALL_WORDS and k else w.capitalize() for k, w in enumerate(words))

    names = [title(f) for f in forces[:3]] + (["others"] if len(forces) > 3 else [])
    return (" and ".join(names) if len(names) < 3 else ", ".join(names[:-1]) + " and " + names[-1]) + \
        (" Police area" if len(forces) == 1 else " police areas")


def _name_prefixes(names: np.ndarray) -> np.ndarray:
    """Each name's district prefix, None where the name is not "<district> 004F"."""
    s = pd.Series(names, dtype=object).astype(str).str.strip()
    pref = s.str.extract(_SUFFIX, expand=False)
    return np.array([p if isinstance(p, str) else None for p in pref], dtype=object)


def _mapped(codes: np.ndarray, frame: pd.DataFrame | None, key: str = "lsoa_code") -> np.ndarray | None:
    """District name (or code when a file has codes only) per LSOA from a table keyed on ``key``."""
    if frame is None or key not in frame:
        return None
    col = "lad_name" if "lad_name" in frame else "lad_code" if "lad_code" in frame else None
    if col is None:
        return None
    t = frame[[key, col]].dropna().drop_duplicates(key)
    out = pd.Series(codes, dtype=object).map(pd.Series(t[col].to_numpy(), index=t[key].to_numpy()))
    return np.array([v if isinstance(v, str) else None for v in out], dtype=object)


def _lookup_districts(codes: np.ndarray, lookup: pd.DataFrame | None) -> np.ndarray | None:
    if lookup is None:
        return None
    best = None
    for key in ("lsoa21", "lsoa11"):  # whichever vintage the boundaries' codes are
        got = _mapped(codes, lookup, key)
        if got is not None and (best is None or _covered(got) > _covered(best)):
            best = got
    return best


def _covered(values: np.ndarray | None) -> int:
    return 0 if values is None else int(sum(v is not None for v in values))


def derive_districts(codes: Sequence[str], names: Sequence[str], *, boundaries: pd.DataFrame | None = None,
                     imd: pd.DataFrame | None = None, lsoa_lookup: pd.DataFrame | None = None,
                     force: str | None = None, max_districts: int = MAX_DISTRICTS) -> Districts:
    """Districts for LSOAs ``codes``/``names`` (see the module notes for the order of sources).

    ``boundaries`` is the table the rows came from (same order; its ``lad_name``/``lad_code``
    columns, if any, are used); ``imd`` and ``lsoa_lookup`` are the loaded layers; ``force`` names
    the single district when nothing else does (:func:`force_label`)."""
    codes_a = np.asarray(codes, dtype=object).astype(str)
    n = len(codes_a)
    out = np.full(n, None, dtype=object)
    used: list[str] = []
    sources: list[tuple[str, np.ndarray | None]] = []
    if boundaries is not None and len(boundaries) == n:
        for col in ("lad_name", "lad_code"):
            if col in boundaries:
                vals = boundaries[col].to_numpy(dtype=object)
                sources.append(("the boundary file's district column",
                                np.array([v if isinstance(v, str) else None for v in vals], dtype=object)))
                break
    sources.append(("the deprivation file's local authority column", _mapped(codes_a, imd)))
    sources.append(("the LSOA lookup's local authority column", _lookup_districts(codes_a, lsoa_lookup)))
    prefixes = _name_prefixes(np.asarray(names, dtype=object))
    matched = [p for p in prefixes if p is not None]
    distinct = len(set(matched))
    if matched and (distinct <= _FEW or distinct * MIN_MEAN_LSOAS <= len(matched)):
        sources.append(("the LSOA names (ONS names LSOAs after their local authority)", prefixes))
    for label, vals in sources:
        if vals is None:
            continue
        todo = np.array([v is None for v in out], dtype=bool)
        have = np.array([v is not None and str(v).strip() != "" for v in vals], dtype=bool)
        take = todo & have
        if take.any():
            out[take] = [str(v).strip() for v in vals[take]]
            used.append(label)
        if not (todo & ~have).any():
            break
    left = np.array([v is None for v in out], dtype=bool)
    whole = force or "Study area"
    warning = None
    capped = _cap(out, left, max_districts)
    if left.all():
        out[:] = whole
        source = "no file (one district for the whole study)"
        warning = (f"no file says which district each LSOA is in (the boundaries have no district or usable "
                   f"LSOA name column, and no deprivation file or LSOA lookup with a local authority column "
                   f"is loaded): the district trends show one district, '{whole}'; load the IMD file "
                   f"(--imd) or boundaries with LSOA names or LAD columns for a table by district")
    else:
        source = "; then ".join(used)
        if left.any():
            out[left] = f"Other LSOAs ({whole})"
            warning = (f"{int(left.sum()):,} of {n:,} LSOAs have no district in {source}: they are shown "
                       f"together as 'Other LSOAs ({whole})' in the district trends")
        if capped:
            warning = ((warning + "; ") if warning else "") + (
                f"{source} names {capped + max_districts - 1:,} districts: the {capped:,} smallest are shown "
                f"together as '{OTHER_DISTRICTS}'")
    return Districts(out, source, warning)


OTHER_DISTRICTS = "Other districts"


def _cap(out: np.ndarray, left: np.ndarray, max_districts: int) -> int:
    """Group all but the ``max_districts - 1`` largest districts as one (in place); how many were grouped."""
    named = out[~left]
    if not len(named):
        return 0
    labels, counts = np.unique(named.astype(str), return_counts=True)
    if len(labels) <= max_districts:
        return 0
    order = np.lexsort((labels, -counts))  # largest first, then by name: no dependence on row order
    small = set(labels[order[max_districts - 1:]].tolist())
    idx = np.flatnonzero(~left)
    hit = np.array([str(v) in small for v in out[idx]], dtype=bool)
    out[idx[hit]] = OTHER_DISTRICTS
    return len(small)


def districts_for(table: pd.DataFrame, layers: Any) -> Districts:
    """:func:`derive_districts` for an analysis table from the loaded layers."""
    rep = (getattr(layers, "reports", None) or {}).get("crimes")
    force = force_label(getattr(rep, "files", None) or []) if rep is not None else None
    boundaries = getattr(layers, "boundaries", None)
    if boundaries is not None and (len(boundaries) != len(table) or not np.array_equal(
            boundaries["lsoa_code"].to_numpy(), table["lsoa_code"].to_numpy())):
        boundaries = None  # not the rows of this table: use the code-keyed sources only
    return derive_districts(table["lsoa_code"].to_numpy(), table["lsoa_name"].to_numpy(), boundaries=boundaries,
                            imd=getattr(layers, "imd", None), lsoa_lookup=getattr(layers, "lsoa_lookup", None),
                            force=force)


def district_time_stage(analysis, layers, progress=None, cancel=None):  # noqa: ANN001, ANN201 - a pipeline Stage
    """The time stage (:func:`hotspots.timeseries.stage.time_stage`) with its district trends grouped by
    :func:`districts_for` instead of the LSOA name alone; a warning note when there is no source."""
    from ..timeseries.stage import time_stage

    d = districts_for(analysis.table, layers)
    result = time_stage(analysis, layers, progress, cancel, districts=d.names, district_source=d.source)
    if result.time is None:
        return result
    return replace(result, notes=result.notes + ((d.warning,) if d.warning else ()))
