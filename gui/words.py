"""The window's words for the settings and layers an engine error names.

The engine says "population layer" or "months"; the CLI says ``--population``; the window
names the field, panel or menu where the user fixes it.
"""

from __future__ import annotations

from hotspots.data.errors import DataError

__all__ = ["FIELDS", "describe"]

FIELDS = {
    "boundaries": "LSOA boundaries (File > Open layers)",
    "crimes": "Crime files (File > Open layers or Open crime folder)",
    "imd": "Deprivation layer (File > Open layers)",
    "pubs": "Pubs layer (File > Open layers)",
    "streetsafe": "StreetSafe layer (File > Open layers)",
    "population": "Population layer (File > Open layers)",
    "harm_weights": "Harm weights file",
    "measure": "Analysis > Measure",
    "weights": "Analysis > Neighbours",
    "permutations": "Analysis > Permutations",
    "seed": "Analysis > Seed",
    "alpha": "Analysis > Significance (alpha)",
    "fdr": "Analysis > False discovery rate",
    "draws": "Analysis > Permutation draws",
    "months": "Analysis > Months",
    "month_from": "Analysis > From month",
    "month_to": "Analysis > To month",
    "crime_types": "Analysis > Crime types",
    "filters": "Analysis > Crime types and months",
    "n_jobs": "threads",
    "out": "the export folder",
    "zone_rule": "zone rule",
}


def describe(exc: DataError) -> str:
    """The error's one line, naming the window's field instead of a command-line flag."""
    return exc.describe(FIELDS)
