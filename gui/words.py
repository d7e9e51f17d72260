"""The window's words for the settings and layers an engine error names.

The engine says "population layer" or "months"; the CLI says ``--population``; the window
names the field, panel or menu where the user fixes it.
"""

from __future__ import annotations

from hotspots.data.errors import DataError

__all__ = ["FIELDS", "describe", "app_words", "LOOKUP_MENU"]

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


#: command-line words the engine's messages use -> the window's words (:func:`app_words`)
LOOKUP_MENU = "File > Add LSOA lookup (2011 to 2021)…"
_APP_WORDS = (
    (r"with --lsoa-lookup PATH", f"with {LOOKUP_MENU}"),
    (r"--lsoa-lookup(?: PATH)?", LOOKUP_MENU),
    (r"set (HOTSPOTS_\w+) \(or the matching --\*-url flag\) to a reachable mirror",
     "enter a reachable mirror in the service fields of File > Get open data…"),
    (r"HOTSPOTS_POLICE_API", "the police.uk API field of File > Get open data…"),
    (r"HOTSPOTS_ONS_API", "the ONS service field of File > Get open data…"),
    (r"HOTSPOTS_IMD_URL", "the IoD files field of File > Get open data…"),
    (r"analyse files you already have with 'hotspots analyse'",
     "analyse files you already have (File > Open layers…, then Run)"),
    (r"'?hotspots analyse'?", "Run analysis (Ctrl+R)"),
    (r"--evidence-area", "the area in Analysis > Evidence pack…"),
    (r"--title", "File > Study title…"),
    (r"--imd\b", "the Deprivation layer"),
    (r"--pubs\b", "the Pubs layer"),
    (r"--population\b", "the Population layer"),
    (r"--streetsafe\b", "the StreetSafe layer"),
    (r"--boundaries\b", "the LSOA boundaries layer"),
    (r"--crimes\b", "the crime files"),
)


def app_words(text: str) -> str:
    """An engine or fetch message in the window's words: menus and fields, never flags or variables."""
    import re

    out = str(text)
    for pattern, words in _APP_WORDS:
        out = re.sub(pattern, words, out)
    return out
