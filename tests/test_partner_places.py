"""Partner places: the label and crime-mix rules on hand-made rows, the exclusion from the patrol
ranking (and the setting that keeps them), partner_places.csv, and real Kent."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import shapely
from _paths import KENT_BOUNDARIES, KENT_CRIME, need_real
from test_spots import K, study

from hotspots.data.errors import DataError
from hotspots.plans.partner_places import (
    find_partner_places,
    mostly_partner,
    partner_label,
    partner_labels,
    plan_values,
)
from hotspots.plans.spots import build_spots
from hotspots.study import Settings


def rows(spec: list[tuple[str, str, int, float, float]], month: str = "2021-01") -> pd.DataFrame:
    """Crimes from (label, crime type, how many, x, y) rows, in the reader's columns."""
    out = []
    for label, ctype, n, x, y in spec:
        out += [(f"On or near {label}", ctype, x, y, month)] * n
    loc, ctype, x, y, m = zip(*out, strict=True)
    return pd.DataFrame({"location": pd.Categorical(loc), "crime_type": pd.Categorical(ctype), "x": np.array(x, float),
                         "y": np.array(y, float), "month": pd.Categorical(m), "lsoa": np.zeros(len(x), np.int32)})


@pytest.mark.parametrize(("label", "kind"), [
    ("Hospital", "hospital"), ("Queen Elizabeth The Queen Mother Hospital", "hospital"), ("Hospital Road", None),
    ("Hospital Lane", None), ("Royal Infirmary", "hospital"), ("Police Station", "police_station"),
    ("Medway Police Station", "police_station"), ("Police Station Road", None), ("Prison", "prison"),
    ("HMP Elmley", "prison"), ("Supermarket", "retail"), ("Shopping Area", "retail"), ("Bluewater Complex", "retail"),
    ("Westfield Shopping Centre", "retail"), ("Castle Retail Park", "retail"), ("Parking Area", None),
    ("High Street", None), ("", None)])
def test_labels(label, kind):
    assert partner_label(f"On or near {label}" if label else "") == kind


def test_rules_on_hand_made_rows():
    crimes = rows([
        ("Hospital", "Violence and sexual offences", 30, 100, 100), ("Hermitage Lane", "Burglary", 1, 300, 100),
        ("Police Station", "Public order", 20, 1000, 100),
        ("Prison", "Drugs", 10, 2000, 100),
        ("Supermarket", "Shoplifting", 60, 100, 1000), ("Supermarket", "Anti-social behaviour", 40, 100, 1000),  # 60%
        ("Shopping Area", "Shoplifting", 59, 1000, 1000), ("Shopping Area", "Burglary", 41, 1000, 1000),  # 59%
        ("High Street", "Shoplifting", 50, 2000, 1000),  # a street: a patrol's place whatever the mix
        ("High Street", "Burglary", 5, 2100, 1000),
    ])
    res = find_partner_places(crimes, np.ones(len(crimes), bool))
    got = {(p.label, p.kind): p for p in res.places}
    assert set(got) == {("Hospital", "hospital"), ("Police Station", "police_station"), ("Prison", "prison"),
                        ("Supermarket", "retail")}
    sm = got[("Supermarket", "retail")]
    assert sm.crimes == 100 and sm.share_shoplifting == pytest.approx(0.6) and "60%" in sm.reason
    assert res.total == 30 + 20 + 10 + 100  # every crime at a partner place, not only the shoplifting
    assert [p.crimes for p in res.places] == sorted((p.crimes for p in res.places), reverse=True)
    # the hospital is named after the nearest street, not "Hospital"
    assert got[("Hospital", "hospital")].name == "Hospital by Hermitage Lane"
    d = res.to_dict()
    assert d["count"] == 4 and d["by_kind"] == {"hospital": 1, "police_station": 1, "prison": 1, "retail": 1}


def test_the_mix_is_judged_on_the_months_with_every_type_but_counted_on_the_analysed():
    crimes = rows([("Supermarket", "Shoplifting", 70, 100, 100), ("Supermarket", "Violence and sexual offences", 30,
                                                                   100, 100)])
    violence = (crimes["crime_type"] == "Violence and sexual offences").to_numpy()
    alone = find_partner_places(crimes, violence)  # the violence alone is 0% shoplifting
    assert alone.places == []
    judged = find_partner_places(crimes, violence, mix=np.ones(len(crimes), bool))
    assert len(judged.places) == 1 and judged.places[0].crimes == 30 and judged.total == 30
    assert judged.places[0].share_shoplifting == pytest.approx(0.7)


def planted_with_partners(seed: int = 0) -> pd.DataFrame:
    """A quiet study with a street hot spot, a hospital and a shoplifting-dominated retail complex."""
    rng = np.random.default_rng(seed)
    spec = []
    for c in range(K):
        for r in range(K):
            n = int(rng.poisson(0.4))
            if n:
                spec.append(("Back Lane", "Burglary", n, (c + 0.5) * 150, (r + 0.5) * 150))
    spec += [("High Street", "Violence and sexual offences", 60, 4.5 * 150, 4.5 * 150),
             ("Hospital", "Violence and sexual offences", 210, 14.5 * 150, 4.5 * 150),
             ("Bluewater Complex", "Shoplifting", 130, 10.5 * 150, 15.5 * 150),
             ("Bluewater Complex", "Theft from the person", 70, 10.5 * 150, 15.5 * 150)]
    crimes = rows(spec)
    half = K * 150 / 2
    crimes["lsoa"] = ((crimes["x"] >= half).astype(int) + 2 * (crimes["y"] >= half).astype(int)).astype(np.int32)
    return crimes


def test_partner_places_leave_the_plan_and_the_setting_keeps_them():
    b, crimes = study(), planted_with_partners()
    res = build_spots(crimes, None, b, n_spots=5)
    hospital, retail = "E2100N600", "E1500N2250"
    cells = {c for s in res.spots for c in s.cell_ids}
    assert hospital not in cells and retail not in cells
    assert res.spots[0].name.startswith("High Street")
    assert {p.kind for p in res.partners.places} == {"hospital", "retail"}
    assert res.cells.crimes.sum() == len(crimes)  # kept in every other count
    # out of the ranked value the zones rank too, with the cells they fill (a stray burglary there too)
    col, row = np.floor(crimes["x"] / 150).astype(int), np.floor(crimes["y"] / 150).astype(int)
    in_cells = (((col == 14) & (row == 4)) | ((col == 10) & (row == 15))).to_numpy()
    assert res.value.sum() == len(crimes) - in_cells.sum() and in_cells.sum() >= 410
    s = res.summary()["partner_places"]
    assert s["count"] == 2 and s["crimes"] == 410 and not s["kept_in_plan"]
    kept = build_spots(crimes, None, b, n_spots=5, keep_partner_places=True)
    assert kept.spots[0].cell_ids == (hospital,) and kept.spots[1].cell_ids == (retail,)
    assert kept.partners.kept and kept.value.sum() == len(crimes)
    assert any("kept in the plan" in f for f in kept.spots[0].flags)


def test_a_cell_that_is_mostly_a_partner_place_is_left_out_whole():
    b, crimes = study(), planted_with_partners()
    extra = rows([("Hospital Road", "Anti-social behaviour", 25, 14.4 * 150, 4.6 * 150)])  # the hospital's entrance
    both = pd.concat([crimes.astype({"location": str, "crime_type": str, "month": str}),
                      extra.astype({"location": str, "crime_type": str, "month": str})], ignore_index=True)
    for col in ("location", "crime_type", "month"):
        both[col] = both[col].astype("category")
    both["lsoa"] = both["lsoa"].astype(np.int32)
    res = build_spots(both, None, b, n_spots=5)
    assert all("E2100N600" not in s.cell_ids for s in res.spots)  # 25 crimes left, but 210 of 235 were the hospital
    assert res.partners.cells_left_out >= 1


def test_the_cell_rule_on_counts():
    at = np.array([0, 5, 5, 4, 3])
    crimes = np.array([3, 10, 9, 10, 0])  # the last: partner crimes outside the analysed count (never < 1)
    mostly = mostly_partner(at, crimes)
    assert mostly.tolist() == [False, True, True, False, True]  # half or more; a cell with none never
    spot, zone = plan_values(np.array([3.0, 5.0, 4.0, 6.0, 0.0]), mostly)
    assert spot.tolist() == [3.0, 0.0, 0.0, 6.0, 0.0]  # the spots leave a dominated cell out whole
    assert zone.tolist() == [3.0, 5.0, 4.0, 6.0, 0.0]  # the zones keep its other crime


def _town_centres() -> pd.DataFrame:
    """Two 3 x 3 town centres of street violence; the first has a shoplifting-dominated shopping
    area in its middle cell (40 shoplifting beside 15 street crimes), the second none but a little
    more street crime (9 x 21 = 189 against 8 x 20 + 15 = 175)."""
    spec = []
    for c in range(3, 6):
        for r in range(3, 6):
            n = 15 if (c, r) == (4, 4) else 20
            spec.append(("High Street", "Violence and sexual offences", n, (c + 0.3) * 150, (r + 0.3) * 150))
    spec.append(("Shopping Area", "Shoplifting", 40, 4.5 * 150, 4.5 * 150))
    for c in range(13, 16):
        for r in range(13, 16):
            spec.append(("Market Street", "Violence and sexual offences", 21, (c + 0.5) * 150, (r + 0.5) * 150))
    return rows(spec)


def test_a_zone_counts_the_street_crime_around_a_partner_place_but_not_its_crimes():
    from hotspots.plans.cell_zones import ZoneRule, cell_zone_groups

    b, crimes = study(), _town_centres()
    res = build_spots(crimes, None, b, n_spots=20)
    g = res.grid
    middle = int(g.positions(np.array([4.5 * 150]), np.array([4.5 * 150]))[0])
    assert res.partners.cells_left_out == 1 and res.partners.total == 40
    assert res.value[middle] == 0 and res.zone_ranking()[middle] == 15  # spots: out whole; zones: its street crime
    assert res.zone_ranking().sum() == len(crimes) - 40  # only the partner place's own crimes leave the zones
    union = shapely.union_all([s.geometry for s in res.spots])
    assert not shapely.contains_xy(union, 4.5 * 150, 4.5 * 150)  # no spot holds the shopping area
    rule = ZoneRule(share=0.99)
    zones = cell_zone_groups(g.col, g.row, g.key, res.zone_ranking(), 150.0, rule)
    assert [len(z) for z in zones] == [9, 9]
    assert middle in zones[1]  # the town centre is whole, its middle cell with it
    assert set(g.col[zones[0]].tolist()) == {13, 14, 15}  # ranked by street crime: 189 before 175
    kept = build_spots(crimes, None, b, n_spots=20, keep_partner_places=True)
    kept_zones = cell_zone_groups(g.col, g.row, g.key, kept.zone_ranking(), 150.0, rule)
    assert middle in kept_zones[0]  # kept in, the shopping area's 40 crimes would rank it first


def test_month_filtered_snap_counts_agree():
    """Issue 22: in a month-filtered run the snap-point total and its kinds count the same crimes."""
    b = study()
    a = rows([("Police Station", "Public order", 10, 100, 100), ("High Street", "Burglary", 5, 400, 400)], "2021-01")
    c = rows([("Police Station", "Public order", 7, 100, 100), ("High Street", "Burglary", 5, 400, 400)], "2021-02")
    crimes = pd.concat([a.astype({"location": str, "crime_type": str, "month": str}),
                        c.astype({"location": str, "crime_type": str, "month": str})], ignore_index=True)
    for col in ("location", "crime_type", "month"):
        crimes[col] = crimes[col].astype("category")
    crimes["lsoa"] = crimes["lsoa"].astype(np.int32)
    feb = (crimes["month"] == "2021-02").to_numpy()
    snap = build_spots(crimes, feb, b, n_spots=2).summary()["snap_points"]
    assert snap["excluded"] == sum(snap["by_kind"].values()) == 7


def test_partner_places_csv_is_atomic_and_neutralised(tmp_path):
    from types import SimpleNamespace

    from hotspots.export.partner_places import PARTNER_FIELDS, write_partner_places_csv

    b, crimes = study(), planted_with_partners()
    crimes["location"] = crimes["location"].cat.rename_categories(
        {"On or near Bluewater Complex": "On or near =HYPERLINK(1) Complex"})
    res = build_spots(crimes, None, b, n_spots=5)
    analysis = SimpleNamespace(spots=res)  # the writer reads only the spots stage
    path = tmp_path / "partner_places.csv"
    path.write_text("old")
    write_partner_places_csv(analysis, None, None, path)
    table = pd.read_csv(path)
    assert list(table.columns) == PARTNER_FIELDS
    assert set(table["kind"]) == {"hospital", "retail"} and table["crimes"].tolist() == [210, 200]
    assert table.loc[table["kind"] == "retail", "share_shoplifting"].iloc[0] == pytest.approx(0.65)
    assert table.loc[table["kind"] == "retail", "name"].iloc[0].startswith("'=")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["partner_places.csv"]  # no temporary left behind


def test_setting_is_checked_and_set_by_the_cli():
    with pytest.raises(DataError) as e:
        Settings(keep_partner_places="yes").validated()  # type: ignore[arg-type]
    assert e.value.setting == "keep_partner_places"
    assert Settings(keep_partner_places=True).validated().keep_partner_places is True
    from hotspots.cli import build_parser

    args = build_parser().parse_args(["analyse", "--demo", "--out", "x", "--keep-partner-places"])
    assert args.keep_partner_places is True


_TRICKY = ("Hospital", "On or near Hospital", "On or near Hospital Road", "On or near Hospital Hill Infirmary",
           "On or near Kent And Canterbury Hospital", "On or near Hospitality Way", "On or near Supermarket",
           "On or near supermarket", "On or near Bluewater Complex", "On or near Complex Road",
           "On or near Shopping  Centre Parade", "On or near Designer Outlet Village", "On or near Mall",
           "On or near The Mall Approach", "On or near Hospital Parkway", "On or near Outlet Parkway",
           "On or near Margate Police Station/Odell House", "On or near Police Station Road", "On or near HMP Elmley",
           "On or near Hmp Prison Hospital", "On or near ", "On or near No Location", "", "   ",
           "On or near Café Hospital", "ON OR NEAR ROYAL INFIRMARY", "On or near Petrol Station",
           "On or near Retail Park Complex Street", "Superstore")


def test_the_table_of_partner_kinds_is_the_label_rule_label_by_label():
    """The find step asks once per distinct label through a shortcut (one search rules out most
    labels); it must give exactly :func:`partner_label`'s answer for every label: hand-made edge
    cases and, where present, every Location of Kent 2021."""
    labels = list(_TRICKY)
    if KENT_CRIME.exists():
        for f in sorted(KENT_CRIME.rglob("*.csv")):
            labels += pd.read_csv(f, usecols=["Location"])["Location"].dropna().unique().tolist()
    table = tuple(dict.fromkeys(str(c) for c in labels))
    got = partner_labels(table)
    assert len(got) == len(table) + 1 and got[-1] == ""
    want = [partner_label(c) or "" for c in table]
    assert list(got[:-1]) == want
    assert {"hospital", "retail", "police_station", "prison"} <= set(want)


@pytest.mark.realdata
def test_kent_defaults_leave_hospitals_and_shoplifting_complexes_out():
    need_real(KENT_BOUNDARIES, KENT_CRIME)
    from hotspots.data.boundaries import read_boundaries
    from hotspots.data.crimes import read_crimes

    b, _ = read_boundaries(KENT_BOUNDARIES)
    crimes, _ = read_crimes(KENT_CRIME, b)
    res = build_spots(crimes, None, b, with_evidence=False)
    kinds = {p.kind for p in res.partners.places}
    assert {"hospital", "retail", "police_station", "prison"} <= kinds
    union = shapely.union_all([s.geometry for s in res.spots])
    for p in res.partners.places:
        if p.kind in ("hospital", "retail"):
            assert not shapely.contains_xy(union, p.x, p.y), p.name
    top = res.partners.places[0]
    assert top.kind == "retail" and top.share_shoplifting >= 0.6 and top.crimes > 500  # one shopping complex
    json.dumps(res.summary()["partner_places"])


def test_nearest_street_equals_brute_force_on_random_points():
    """The block filter and the tree name the nearest street snap point within 400 m, as a scan of
    every crime does (distinct distances: which of two equidistant points wins is unspecified)."""
    from hotspots.plans.partner_streets import NAME_WITHIN_M, near_blocks, nearest_streets

    rng = np.random.default_rng(11)
    n = 6000
    cx, cy = rng.uniform(500_000, 530_000, n), rng.uniform(150_000, 170_000, n)
    labels = np.where(rng.random(n) < 0.15, "On or near Supermarket", [f"On or near Road {i}" for i in range(n)])
    crimes = pd.DataFrame({"x": cx, "y": cy, "location": pd.Categorical(labels)})
    sel = rng.random(n) < 0.8
    px, py = rng.uniform(499_000, 531_000, 300), rng.uniform(149_000, 171_000, 300)
    got = nearest_streets(crimes, sel, px, py)
    street = sel & (labels != "On or near Supermarket")
    for k in range(len(px)):
        d = np.hypot(cx - px[k], cy - py[k])
        d[~street] = np.inf
        j = int(np.argmin(d))
        assert got[k] == (labels[j][len("On or near "):] if d[j] <= NAME_WITHIN_M else ""), k
    assert sum(g != "" for g in got) > 100 and "" in got
    for block in (None, 200.0, 130.0):  # every point within the distance is kept, far ones are not all kept
        near = near_blocks(cx, cy, px, py, NAME_WITHIN_M, block)
        dmin = np.min(np.hypot(cx[:, None] - px[None, :], cy[:, None] - py[None, :]), axis=1)
        assert near[dmin <= NAME_WITHIN_M].all() and not near[dmin > 3 * NAME_WITHIN_M].any()


def test_places_named_later_are_named_from_the_arrays_taken_when_found():
    """build_spots names the places on a thread while it ranks the cells: the naming must read
    what was taken when they were found, never the crimes table (which the caller may go on
    using), and give the places find_partner_places gives."""
    from hotspots.plans.partner_places import locate_partner_places

    crimes = rows([("Hospital", "Violence and sexual offences", 30, 100, 100), ("Hermitage Lane", "Burglary", 1, 300, 100),
                   ("Supermarket", "Shoplifting", 60, 100, 1000), ("Station Road", "Burglary", 2, 120, 1050)])
    sel = np.ones(len(crimes), bool)
    want = find_partner_places(crimes, sel, towns_of_rows=lambda r: np.array(["Town"] * len(r), dtype=object))
    found = locate_partner_places(crimes, sel)
    assert found.partners.places == [] and found.partners.total == want.total
    crimes["x"] = crimes["x"] + 5_000.0  # the table changes before the names are worked out
    crimes["location"] = pd.Categorical(["On or near Elsewhere"] * len(crimes))
    got = found.named(lambda r: np.array(["Town"] * len(r), dtype=object))
    assert got == want.places
    assert {p.name for p in got} == {"Hospital by Hermitage Lane, Town", "Supermarket by Station Road, Town"}


def test_build_spots_lists_the_places_find_partner_places_finds():
    """The places named beside the ranking are the ones named alone (the plan's ranking unchanged)."""
    crimes = rows([("Hospital", "Violence and sexual offences", 30, 100, 100), ("Hermitage Lane", "Burglary", 4, 300, 100),
                   ("Supermarket", "Shoplifting", 60, 1200, 1300), ("High Street", "Burglary", 25, 2000, 2000)])
    b = study()
    sel = np.ones(len(crimes), bool)
    res = build_spots(crimes, sel, b, n_spots=3)
    alone = find_partner_places(crimes, sel)
    assert [(p.kind, p.label, p.crimes, p.x, p.y) for p in res.partners.places] == \
        [(p.kind, p.label, p.crimes, p.x, p.y) for p in alone.places]
    assert {p.kind for p in res.partners.places} == {"hospital", "retail"}
    assert {p.name for p in res.partners.places} == {"Hospital by Hermitage Lane, Newtown", "A supermarket, Newtown"}
