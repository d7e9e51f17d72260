"""Where the shared real data lives, and a skip helper for when it is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
KENT = REAL / "kent"
KENT_BOUNDARIES = KENT / "boundaries" / "kent_medway_lsoa2011_bgc.geojson"
KENT_CRIME = KENT / "crime"
KENT_PUBS = KENT / "pubs" / "kent_open_pubs_subset.csv"
IMD_FILE1 = REAL / "imd" / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv"


def need_real(*paths: Path) -> None:
    """Skip the calling test when the shared real data is not beside the project."""
    for p in paths or (REAL,):
        if not p.exists():
            pytest.skip(f"real data not available: {p} (expected ../shared/data/real beside the project)")
