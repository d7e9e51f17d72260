"""When to patrol: aoristic weights on hand cases, windows, and the planted places end to end."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _extract_synth import (
    NIGHT_HOURS,
    NIGHT_XY,
    SCHOOL_HOURS,
    SCHOOL_XY,
    make_extract,
    write_dialect,
)

from hotspots.data.boundaries import read_boundaries
from hotspots.data.extract import read_extract
from hotspots.study import DEMO_DIR, Settings, Study
from hotspots.when.aoristic import WEEK, in_span, profiles, row_weights
from hotspots.when.clock import clock_html
from hotspots.when.windows import Window, best_windows, day_label

DAY = 1440


def _at(day: int, hh: int, mm: int = 0, week: int = 0) -> int:
    """Minute since the Monday epoch: day 0 = Monday."""
    return week * WEEK + day * DAY + hh * 60 + mm


# ------------------------------------------------------------------ aoristic hand cases
def test_a_span_over_midnight_splits_by_minutes():
    w = row_weights(np.array([_at(2, 23, 30)]), np.array([_at(3, 1, 30)]))[0]  # Wed 23:30 -> Thu 01:30
    assert w.sum() == pytest.approx(1.0)
    assert w[2 * 24 + 23] == pytest.approx(0.25)
    assert w[3 * 24 + 0] == pytest.approx(0.5)
    assert w[3 * 24 + 1] == pytest.approx(0.25)
    assert np.count_nonzero(w) == 3


def test_a_span_over_the_week_boundary_wraps_to_monday():
    w = row_weights(np.array([_at(6, 22, 0, week=10)]), np.array([_at(0, 2, 0, week=11)]))[0]  # Sun 22 -> Mon 02
    assert w.sum() == pytest.approx(1.0)
    assert w[167] == pytest.approx(0.25) and w[166] == pytest.approx(0.25)
    assert w[0] == pytest.approx(0.25) and w[1] == pytest.approx(0.25)


def test_a_missing_end_is_the_start_minute_and_a_long_span_is_flat():
    w = row_weights(np.array([_at(4, 22, 17)]), np.array([_at(4, 22, 18)]))[0]
    assert w[4 * 24 + 22] == 1.0 and w.sum() == 1.0
    two_weeks = row_weights(np.array([_at(1, 5, 0)]), np.array([_at(1, 5, 0, week=2)]))[0]
    assert np.allclose(two_weeks, 1 / 168)


def test_missing_end_and_end_before_start_in_the_reader(tmp_path):
    b, _ = read_boundaries(DEMO_DIR / "boundaries.gpkg")
    rows = pd.DataFrame({
        "Crime Number": ["a", "b", "c", "d", "e"], "HO Code": ["8N"] * 5,
        "Committed From Date": ["05/03/2021", "05/03/2021", "05/03/2021", "05/03/2021", "05/03/2021"],
        "Committed From Time": ["22:00", "22:00", "23:00", "", "21:00"],
        "Committed To Date": ["", "", "06/03/2021", "", "05/03/2021"],
        "Committed To Time": ["", "02:00", "01:00", "", "20:00"],
        "Easting": [403400] * 5, "Northing": [150300] * 5})
    p = tmp_path / "x.csv"
    rows.to_csv(p, index=False)
    crimes, rep = read_extract(p, b)
    assert rep.dropped == {"end before start": 1}  # e: 21:00 to 20:00 the same day
    spans = dict(zip(crimes.index, crimes["t_to"] - crimes["t_from"], strict=True))
    assert list(spans.values()) == [1, 4 * 60 + 1, 2 * 60 + 1, DAY]  # a: point; b: 22-02 next day; d: whole day
    prof = profiles(crimes["t_from"].to_numpy(), crimes["t_to"].to_numpy())[0]
    assert prof.sum() == pytest.approx(4.0)
    assert prof[4 * 24 + 22] == pytest.approx(1 + 60 / 241 + 1 / 24)  # Friday 5 March 2021, 22:00


def test_profiles_agree_with_the_row_weights_and_any_order():
    rng = np.random.default_rng(3)
    s = rng.integers(0, 30 * WEEK, 5000)
    e = s + np.where(rng.random(5000) < 0.4, 1, rng.integers(1, 5 * DAY, 5000))
    g = rng.integers(-1, 4, 5000)
    w = rng.random(5000)
    got = profiles(s, e, g, 4, w, chunk=700)
    rows = row_weights(s, e, w)
    want = np.stack([rows[g == k].sum(0) for k in range(4)])
    assert np.allclose(got, want)
    perm = rng.permutation(5000)
    assert np.allclose(profiles(s[perm], e[perm], g[perm], 4, w[perm]), got)
    assert in_span(np.array([0, 0]), np.array([7 * DAY, 7 * DAY + 1])).tolist() == [True, False]


# ------------------------------------------------------------------ windows and the clock
def test_windows_find_planted_hours_and_say_them():
    p = np.full(168, 0.1)
    p[NIGHT_HOURS] += 10
    p[SCHOOL_HOURS] += 4
    ws = best_windows(p)
    assert ws[0].label() == "Fri-Sat 22:00-02:00"
    assert ws[1].label() == "Mon-Fri 15:00-18:00"
    assert ws[0].share > ws[1].share
    assert ws[0].text().endswith("% of this spot's crimes)")
    assert day_label((6, 0)) == "Sun-Mon" and day_label((0, 2)) == "Mon, Wed"
    assert best_windows(np.zeros(168)) == []
    assert Window(days=(6,), start=23, hours=2, share=0.1).bins() == [167, 0]


def test_clock_html_is_escaped_and_complete():
    html = clock_html(np.arange(168.0), title="<b>Spot & co</b>")
    assert "&lt;b&gt;Spot &amp; co&lt;/b&gt;" in html and "<b>" not in html
    assert html.count("<td") == 168
    assert clock_html(np.zeros(5)) == ""


# ------------------------------------------------------------------ the planted places end to end
@pytest.fixture(scope="module")
def run(tmp_path_factory):
    from hotspots.pipeline import analyse, load_layers

    folder = tmp_path_factory.mktemp("extract")
    ex = make_extract(seed=5)
    path, mapping = write_dialect(ex, folder, "connect")
    study = Study(boundaries=str(DEMO_DIR / "boundaries.gpkg"), extract=str(path), extract_columns=str(mapping),
                  settings=Settings(permutations=99, spots=10))
    layers = load_layers(study)
    analysis = analyse(layers, study.settings)
    return ex, layers, analysis


def test_force_profile_sums_to_kept_crimes_less_long_spans(run):
    ex, layers, analysis = run
    rep = layers.reports["extract"]
    assert rep.rows_read == rep.rows_kept + rep.rows_dropped
    when = analysis.when
    assert when is not None and when.spans_excluded > 0
    assert when.force.sum() == pytest.approx(rep.rows_kept - when.spans_excluded, rel=0.005)
    assert when.crimes_timed == rep.rows_kept and when.untimed == 0


@pytest.mark.parametrize("place, xy, hours", [("night", NIGHT_XY, NIGHT_HOURS), ("school", SCHOOL_XY, SCHOOL_HOURS)])
def test_the_spot_over_each_planted_place_peaks_in_its_hours(run, place, xy, hours):
    import shapely

    _ex, _layers, analysis = run
    spot = next(s for s in analysis.spots.spots if shapely.intersects_xy(s.geometry, *xy))
    prof = analysis.when.spots[spot.spot_id]
    assert int(np.argmax(prof)) in hours
    assert prof[hours].sum() / prof.sum() >= 0.6
    windows = analysis.when.spot_windows[spot.spot_id]
    assert len(set(windows[0].bins()) & set(hours)) >= 0.75 * len(windows[0].bins())
    assert windows[0].label() in spot.dosage  # the dosage line names the windows
    assert "choose the hours from your own incident log" not in spot.dosage
    assert not any("snap point" in f for s in analysis.spots.spots for f in s.flags)  # exact points


def test_spot_geojson_and_summary_carry_the_profiles(run):
    from hotspots.export.spots import spots_geojson
    from hotspots.summary import build_summary

    _ex, layers, analysis = run
    feats = spots_geojson(analysis)["features"]
    assert feats and all(len(f["properties"]["when_profile"]) == 168 for f in feats)
    assert all(isinstance(f["properties"]["patrol_windows"], list) for f in feats)
    assert feats[0]["properties"]["patrol_windows"]
    study = Study(name="synthetic")
    s = build_summary(analysis, layers, study, {})
    assert len(s["when"]["profile"]) == 168 and s["when"]["spans_excluded"] == analysis.when.spans_excluded
    assert "category weights" in s["harm"]["note"] and s["harm"]["level"] == "police.uk category"


def test_popups_and_briefing_cards_carry_the_clock(run, tmp_path):
    import re

    from pypdf import PdfReader
    from reportlab.pdfgen.canvas import Canvas

    from hotspots.export.briefing._briefing_when import draw_spot_clock
    from hotspots.export.briefing._pdf import PAGE_H, PAGE_W, Sheet, register_fonts
    from hotspots.when.clock import spot_clock_html

    _ex, _layers, analysis = run
    s = analysis.spots.spots[0]
    html = spot_clock_html(analysis, s.spot_id)
    assert "heat-clock" in html and analysis.when.spot_texts(s.spot_id)[0].split(" (")[0] in html
    assert spot_clock_html(object(), s.spot_id) == ""
    register_fonts()
    c = Canvas(str(tmp_path / "card.pdf"), pagesize=(PAGE_W, PAGE_H), pageCompression=0)
    assert draw_spot_clock(Sheet(c), analysis, s, 0.95)
    assert not draw_spot_clock(Sheet(c), object(), s, 0.95)  # no records extract: no clock
    c.showPage()
    c.save()
    page = PdfReader(str(tmp_path / "card.pdf")).pages[0]
    ops = page.get_contents().get_data()
    assert len(re.findall(rb" re f\b", ops)) == 7 * 24  # a shaded cell an hour of the week
    text = " ".join(page.extract_text().split())
    assert "When to patrol" in text and "Mon" in text and "18" in text
    assert analysis.when.spot_texts(s.spot_id)[0].split(" (")[0] in text


def test_a_harm_table_weighs_each_crime_everywhere(tmp_path):
    from hotspots.pipeline import analyse, load_layers
    from hotspots.summary import build_summary

    ex = make_extract(seed=21, n_night=150, n_school=120, n_background=600, broken=False)
    path, mapping = write_dialect(ex, tmp_path, "athena")
    table = tmp_path / "css.csv"
    table.write_text("HO code,CSS weight,source\n8N,100,hand-made test rows\n105A,20\n46,3\n9A,10\n58C,8\n")
    study = Study(boundaries=str(DEMO_DIR / "boundaries.gpkg"), extract=str(path), extract_columns=str(mapping),
                  harm_table=str(table), settings=Settings(permutations=99, spots=5, measure="harm"))
    layers = load_layers(study)
    analysis = analyse(layers, study.settings)
    crimes = layers.crimes
    assert analysis.table["harm"].sum() == pytest.approx(crimes["harm_w"].sum())
    night = next(s for s in analysis.spots.spots if s.crimes > 100 and "Violence" in next(iter(s.crimes_by_type)))
    assert night.harm > 10 * night.crimes  # 8N at 100 dominates: the offence weights, not the category's 70
    s = build_summary(analysis, layers, Study(name="t"), {})
    assert "hand-made test rows" in s["harm"]["source"] and s["harm"]["level"].startswith("offence")
    assert "harm" in analysis.when.spot_texts(night.spot_id)[0]
    assert analysis.when.force_harm.sum() == pytest.approx(
        crimes["harm_w"].to_numpy()[(crimes["t_to"] - crimes["t_from"]).to_numpy() <= 7 * 1440].sum())


def test_an_extract_beside_police_uk_crimes_and_taken_away_again(tmp_path):
    import copy

    from hotspots.pipeline import load_layers

    ex = make_extract(seed=8, n_night=60, n_school=60, n_background=300)
    path, mapping = write_dialect(ex, tmp_path, "athena")
    study = Study(boundaries=str(DEMO_DIR / "boundaries.gpkg"), crimes=[str(DEMO_DIR / "crime")], extract=str(path),
                  extract_columns=str(mapping))
    both = load_layers(study)
    n_police, n_extract = both.reports["crimes"].rows_kept, both.reports["extract"].rows_kept
    crimes = both.crimes
    assert len(crimes) == n_police + n_extract
    timed = (crimes["t_to"] > crimes["t_from"]).to_numpy()
    assert int(timed.sum()) == n_extract and crimes["crime_type"].notna().all()
    again = load_layers(study, previous=both)  # nothing changed: nothing re-read
    assert again.crimes is both.crimes
    alone = copy.deepcopy(study)
    alone.extract = alone.extract_columns = None
    police = load_layers(alone, previous=both)
    assert len(police.crimes) == n_police and "t_from" not in police.crimes.columns and "extract" not in police.reports


def test_the_map_popups_of_spots_and_zones_carry_clocks(run):
    from hotspots.export.map.html_map import map_html
    from hotspots.when.clock import zone_clock_html

    _ex, layers, analysis = run
    zid = int(analysis.zone_frame["zone_id"].iloc[0])
    assert "heat-clock" in zone_clock_html(analysis.when, zid) and zone_clock_html(None, zid) == ""
    page = map_html(analysis, layers, Study(name="synthetic <b>town</b>"))
    assert page.count("heat-clock") >= len(analysis.spots.spots) + len(analysis.zone_frame)


def test_no_window_names_fewer_than_five_crimes(run):
    _ex, _layers, analysis = run
    when = analysis.when
    for sid, prof in when.spots.items():
        for w in when.spot_windows[sid]:
            assert w.share * prof.sum() >= 5 - 1e-9
    for zid, prof in when.zones.items():
        for w in when.zone_windows[zid]:
            assert w.share * prof.sum() >= 5 - 1e-9
