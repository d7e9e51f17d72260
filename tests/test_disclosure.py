"""Disclosure control on hand-made counts: roles, suppression, sensitive types, the log, the writers."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from hotspots.publish.disclosure import (
    DEFAULT_MARKING,
    DisclosureLog,
    Rules,
    column_role,
    marking_of,
    rules_of,
    suppress_table,
)
from hotspots.study import Settings


def _frame() -> gpd.GeoDataFrame:
    """Five areas with counts 0, 1, 4, 5, 12 and the columns a stage might add."""
    return gpd.GeoDataFrame({
        "lsoa_code": [f"E0100000{i}" for i in range(5)],
        "crimes": [0, 1, 4, 5, 12],
        "harm": [0.0, 2.5, 9.0, 11.0, 30.0],
        "share_of_crimes": [0.0, 0.05, 0.18, 0.23, 0.54],
        "streetsafe": [3, 0, 7, 2, 1],
        "force_records": [1, 2, 6, 8, 9],  # a column no stage has today: found by its name
        "pubs": [1, 2, 3, 0, 4],  # premises, not people: kept
        "imd_decile": [1, 2, 3, 4, 5],
        "latitude": [51.1] * 5,
        "comment": ["I was followed by a man at no. 3"] * 5,
        "top_streets": ["High Street (3); Bank Street (12)"] * 5,
        "crimes_by_type": [{"Burglary": 2, "Violence and sexual offences": 9, "Other theft": 7}] * 5,
        "top_concerns": ["SS-E575850N155700 (4)"] * 5,
    }, geometry=[box(i, 0, i + 1, 1) for i in range(5)], crs=27700)


def test_roles_are_found_by_name_not_by_todays_list() -> None:
    assert column_role("crimes") == "count"
    assert column_role("force_records") == "count"
    assert column_role("n_victims") == "count"
    assert column_role("streetsafe_100m") == "count"
    assert column_role("harm") == "derived" and column_role("rate_per_1000") == "derived"
    assert column_role("share_of_crimes") == "derived" and column_role("share_of_area") == "keep"
    assert column_role("crime_decile_national") == "derived"  # a decile of 2 is not a count of 2
    assert column_role("centre_lat") == "point" and column_role("easting") == "point"
    assert column_role("description") == "free_text" and column_role("address") == "free_text"
    assert column_role("pubs") == "keep" and column_role("imd_decile") == "keep"
    assert column_role("whatever", ["SS-E575850N155700"]) == "streetsafe_place"
    assert column_role("whatever", ["Other: my neighbour"]) == "free_text"


def test_suppress_table_on_hand_made_counts() -> None:
    rules = Rules(threshold=5)
    log = DisclosureLog(rules)
    out = suppress_table(_frame(), rules, log, "t")
    assert out["crimes"].tolist() == [0, "fewer than 5", "fewer than 5", 5, 12]
    assert out["streetsafe"].tolist() == ["fewer than 5", 0, 7, "fewer than 5", "fewer than 5"]
    assert out["force_records"].tolist() == ["fewer than 5", "fewer than 5", 6, 8, 9]
    assert out["harm"].tolist() == [0.0, "suppressed", "suppressed", 11.0, 30.0]
    assert out["share_of_crimes"].tolist()[1:3] == ["suppressed", "suppressed"]
    assert out["pubs"].tolist() == [1, 2, 3, 0, 4] and out["imd_decile"].tolist() == [1, 2, 3, 4, 5]
    for gone in ("latitude", "comment", "top_concerns"):
        assert gone not in out
    assert out["top_streets"].iloc[0] == "High Street (fewer than 5); Bank Street (12)"
    assert out["crimes_by_type"].iloc[0] == {"Burglary": "fewer than 5", "Violence and sexual offences": 9,
                                             "Other theft": 7}
    assert out.geometry.equals(_frame().geometry)
    got = {(c, a.split(" (")[0]): n for _f, c, a, n in log.entries}
    assert got[("crimes", "shown as 'fewer than 5'")] == 2
    assert got[("harm", "shown as 'suppressed'")] == 2
    assert got[("latitude", "removed")] == 5
    text = "\n".join(log.lines())
    assert "Counts of 1 to 4" in text and "t / crimes" in text


def test_threshold_is_a_setting_and_sensitive_types_stay_at_lsoa_level() -> None:
    rules = Rules(threshold=3, sensitive_types=("Burglary",))
    out = suppress_table(_frame(), rules, DisclosureLog(rules), "spots", fine=True)
    assert out["crimes"].tolist() == [0, "fewer than 3", "suppressed", 5, 12]  # one small: secondary too
    # finer than an LSOA: sexual offences (by default) and the user's sensitive type are dropped
    assert out["crimes_by_type"].iloc[0] == {"Other theft": 7}
    lsoa = suppress_table(_frame(), rules, DisclosureLog(rules), "lsoas", fine=False)
    assert set(lsoa["crimes_by_type"].iloc[0]) == {"Burglary", "Violence and sexual offences", "Other theft"}
    assert Rules(selection=("Sexual offences",)).sensitive_selection
    assert not Rules(selection=("Burglary", "Sexual offences")).sensitive_selection
    assert Rules(selection=("burglary",), sensitive_types=("Burglary",)).sensitive_selection
    s = Settings(suppress_below=7, sensitive_types=["Robbery"], crime_types=["Robbery"])
    assert rules_of(s).threshold == 7 and rules_of(s).sensitive_selection


def test_marking_line_default_and_setting() -> None:
    assert marking_of(None, None) == DEFAULT_MARKING == "OFFICIAL - SENSITIVE: not for publication"

    class _A:
        settings = Settings(marking="  OFFICIAL\n- for the partnership only ")

    assert marking_of(None, _A()) == "OFFICIAL - for the partnership only"


def test_public_map_and_pdf_print_no_small_count(tmp_path: Path) -> None:
    from hotspots.export.briefing.public_pdf import write_public_pdf
    from hotspots.export.map.public_map import write_public_map

    rules = Rules()
    base = _frame().assign(lsoa_name=["Alpha <b>1</b>", "Beta", "Gamma", "Delta", "Epsilon"],
                           lisa_cluster=["HH", "ns", "LL", "HL", "LH"], zone_id=[1, pd.NA, pd.NA, 2, pd.NA])
    lsoas = suppress_table(base, rules, DisclosureLog(rules), "lsoas")
    zones = suppress_table(gpd.GeoDataFrame({"zone_id": [1, 2], "rank": [1, 2], "crimes": [3, 40],
                                             "share_of_crimes": [0.1, 0.9], "area_km2": [1.0, 2.0],
                                             "top_streets": ["Mill Lane (2)", "High Street (30)"]},
                                            geometry=[box(0, 0, 1, 1), box(3, 0, 5, 1)], crs=27700),
                           rules, DisclosureLog(rules), "zones", fine=True)
    html = write_public_map(tmp_path / "m.html", lsoas.to_crs(4326), zones.to_crs(4326), None, title="T <x>",
                            subtitle="S", threshold=5).read_text(encoding="utf-8")
    page = html.replace("\\u003c", "<").replace("\\u003e", ">").replace("\\u0026", "&")  # folium's JSON
    popups = re.findall(r"Crimes</th><td>([^<]*)</td>", page)
    assert sorted(popups) == sorted(["0", "fewer than 5", "fewer than 5", "5", "12", "fewer than 5", "suppressed"])
    assert "Alpha &lt;b&gt;1&lt;/b&gt;" in page and "<b>1</b>" not in page  # names escaped
    assert "T &lt;x&gt;" in html and "<script src=" not in html
    pdf = write_public_pdf(tmp_path / "s.pdf", lsoas, zones, title="Public T", subtitle="S", rules=rules)
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils not installed")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Public T" in text and "fewer than 5" in text and "Mill Lane (fewer than 5)" in text
    row1 = next(line for line in text.splitlines() if "Mill Lane" in line)
    assert re.split(r"\s{2,}", row1.strip())[:4] == ["1", "Mill Lane (fewer than 5)", "fewer than 5", "suppressed"]


def test_force_records_never_give_their_addresses_or_hourly_profiles() -> None:
    from hotspots.publish.disclosure import public_locations

    police_uk = pd.DataFrame({"location": ["On or near High Street", "On or near Parking Area"], "x": [0, 1]})
    records = police_uk.assign(location=["14 Acacia Road, Margate", "Flat 2, 9 Mill Lane"], offence_code=["8/1", "5/1"])
    typed = pd.DataFrame({"location": ["14 Acacia Road", "9 Mill Lane", "On or near Bank Street"]})
    assert public_locations(police_uk) and public_locations(None)
    assert not public_locations(records) and not public_locations(typed)
    spots = gpd.GeoDataFrame({"rank": [1], "name": ["14 Acacia Road, Margate"], "town": ["Thanet"],
                              "top_streets": ["Acacia Road (9)"], "crimes": [12], "when_profile": [[0.5, 3.0, 7.0]]},
                             geometry=[box(0, 0, 150, 150)], crs=27700)
    rules = Rules(street_names=False)
    log = DisclosureLog(rules)
    out = suppress_table(spots, rules, log, "patrol_spots", fine=True)
    assert "name" not in out and "top_streets" not in out and out["town"].iloc[0] == "Thanet"
    assert out["when_profile"].iloc[0] == ["fewer than 5", "fewer than 5", 7.0]
    assert any("force's records" in a for _f, _c, a, _n in log.entries)


def test_secondary_suppression_when_one_count_is_small() -> None:
    rules = Rules()
    frame = pd.DataFrame({"lsoa_code": list("abcd"), "crimes": [3, 9, 7, 20], "share_of_crimes": [.08, .23, .18, .51]})
    log = DisclosureLog(rules)
    out = suppress_table(frame, rules, log, "t")
    # 3 alone would be the published total (39) less 9, 7 and 20: the smallest shown count goes too
    assert out["crimes"].tolist() == ["fewer than 5", 9, "suppressed", 20]
    assert out["share_of_crimes"].tolist() == ["suppressed", 0.23, "suppressed", 0.51]
    assert any(a.startswith("shown as 'suppressed' (secondary") for _f, _c, a, _n in log.entries)
    two = suppress_table(frame.assign(crimes=[3, 2, 7, 20]), rules, DisclosureLog(rules), "t")
    assert two["crimes"].tolist() == ["fewer than 5", "fewer than 5", 7, 20]  # two small ones hide each other
