"""The LSOA-vintage stage: which deprivation values came across the 2011-2021 lookup, and how.

When ``--lsoa-lookup`` carried the deprivation table onto the boundaries' vintage
(:mod:`hotspots.data.lsoa_lookup`), each LSOA's ``imd_lookup`` says how its values were made:
``U`` copied from the same area, ``S``/``M`` copied from the area it was split from or merged
into, or a population-weighted blend of several (``M`` going 2011 -> 2021, ``S`` going
2021 -> 2011, ``X`` irregular; ``imd_sources`` > 1). A bid quoting a decile can then say
whether it was published for that area. Without a lookup the stage changes nothing.
"""

from __future__ import annotations

from dataclasses import replace

from ..model import Analysis, Layers
from ..progress import CancelFn, ProgressFn

__all__ = ["vintage_stage", "LOOKUP_COLUMNS"]

#: per-LSOA columns this stage adds (exports list them among the extra columns)
LOOKUP_COLUMNS = ("imd_lookup", "imd_sources")


def vintage_stage(analysis: Analysis, layers: Layers, progress: ProgressFn | None = None,
                  cancel: CancelFn | None = None) -> Analysis:
    """Add ``imd_lookup`` (U/S/M/X, "" where no value joined) and ``imd_sources`` to the table."""
    imd = layers.imd
    if imd is None or "imd_lookup" not in imd.columns:
        return analysis
    d = imd.drop_duplicates("lsoa_code").set_index("lsoa_code")
    codes = analysis.table["lsoa_code"]
    table = analysis.table.assign(
        imd_lookup=codes.map(d["imd_lookup"]).fillna("").astype(str).to_numpy(),
        imd_sources=codes.map(d["imd_sources"]).fillna(0).astype(int).to_numpy(),
    )
    return replace(analysis, table=table)
