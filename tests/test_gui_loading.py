"""Adding layers: by drop, with a guessed kind or a question, and bad files leave the study intact."""

from __future__ import annotations

import json
import zipfile

import pytest
from conftest import GUI_TIMEOUT_MS

from gui.file_kinds import group_paths, guess_kind

pytestmark = pytest.mark.gui

STREET_HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
                 "Crime type,Last outcome category,Context\n")


# -- guessing the kind of a file (no window needed) ---------------------------------------
def _square(x0, y0, d=0.01):
    return [[[x0, y0], [x0 + d, y0], [x0 + d, y0 + d], [x0, y0 + d], [x0, y0]]]


def test_guess_kind_by_name_header_and_geometry(tmp_path):
    street = tmp_path / "2024-05-avon-street.csv"
    street.write_text(STREET_HEADER)
    assert guess_kind(street).kind == "crimes"
    renamed = tmp_path / "may.csv"
    renamed.write_text(STREET_HEADER)
    assert guess_kind(renamed).kind == "crimes"  # by its police.uk header
    imd = tmp_path / "deprivation.csv"
    imd.write_text("LSOA code (2011),LSOA name (2011),Index of Multiple Deprivation (IMD) Decile\nE01000001,x,9\n")
    assert guess_kind(imd).kind == "imd"
    pop = tmp_path / "residents.csv"
    pop.write_text("lsoa_code,population\nE01000001,1500\n")
    assert guess_kind(pop).kind == "population"
    ss = tmp_path / "export.csv"
    ss.write_text("id,date,latitude,longitude,reasons\n1,2024-01-02,51.1,0.5,Badly lit\n")
    assert guess_kind(ss).kind == "streetsafe"
    polys = tmp_path / "areas.geojson"
    polys.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"LSOA11CD": "E01000001"},
         "geometry": {"type": "Polygon", "coordinates": _square(0.5, 51.0)}}]}))
    assert guess_kind(polys).kind == "boundaries"
    points = tmp_path / "things.geojson"
    points.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [0.5, 51.0]}}]}))
    g = guess_kind(points)
    assert g.kind is None and "pubs or StreetSafe" in g.reason
    z = tmp_path / "download.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("2024-05/2024-05-kent-street.csv", STREET_HEADER)
    assert guess_kind(z).kind == "crimes"
    folder = tmp_path / "months"
    (folder / "2024-06").mkdir(parents=True)
    (folder / "2024-06" / "2024-06-kent-street.csv").write_text(STREET_HEADER)
    assert guess_kind(folder).kind == "crimes"
    odd = tmp_path / "notes.csv"
    odd.write_text("alpha,beta\n1,2\n")
    g = guess_kind(odd)
    assert g.kind is None and "alpha" in g.reason
    assert guess_kind(tmp_path / "x.docx").kind is None
    assert group_paths({"a.csv": "crimes", "b.csv": "crimes", "c.gpkg": "boundaries"}) == {
        "crimes": ["a.csv", "b.csv"], "boundaries": "c.gpkg"}


# -- bad files ------------------------------------------------------------------------------
def _load(window, qtbot, paths, kind=None):
    with qtbot.waitSignal(window.runner.ended, timeout=GUI_TIMEOUT_MS) as blocker:
        assert window.load_paths([str(p) for p in paths], kind) is not None
    return blocker.args[1]


def test_bad_file_shows_error_and_keeps_layers(demo_window, qtbot, tmp_path, no_dialogs):
    w = demo_window
    before = {k: getattr(w.state.layers, k) for k in ("boundaries", "crimes", "imd", "pubs")}
    before_paths = (w.state.study.imd, list(w.state.study.crimes))
    before_reports = dict(w.state.layers.reports)
    bad = tmp_path / "imd_broken.csv"
    bad.write_text("colour,shape\nred,round\n")
    assert _load(w, qtbot, [bad], "imd") == "error"
    assert len(no_dialogs) == 1
    kind, _title, text = no_dialogs[0]
    assert kind == "critical"
    assert "imd_broken.csv" in text and "Traceback" not in text
    for k, v in before.items():
        assert getattr(w.state.layers, k) is v
    assert (w.state.study.imd, list(w.state.study.crimes)) == before_paths
    assert w.state.layers.reports == before_reports
    assert w.layers_panel.item_for("imd").text(0) == "Deprivation (IMD)"

    # a broken boundary file does not take the crimes (placed in the old boundaries) with it
    broken = tmp_path / "lsoas.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [')
    assert _load(w, qtbot, [broken], "boundaries") == "error"
    assert len(no_dialogs) == 2 and "lsoas.geojson" in no_dialogs[1][2]
    assert w.state.layers.boundaries is before["boundaries"] and w.state.layers.crimes is before["crimes"]
    # and the analysis still shows
    assert w.results.model.rowCount() == len(before["boundaries"])


def test_crimes_need_boundaries_first(window, tmp_path, no_dialogs):
    street = tmp_path / "2024-05-kent-street.csv"
    street.write_text(STREET_HEADER)
    assert window.load_paths([str(street)]) is None
    assert no_dialogs and "boundaries" in no_dialogs[0][2].lower()
    assert not window.runner.busy


def test_drop_guesses_kind_and_asks_when_unsure(demo_window, qtbot, tmp_path, monkeypatch):
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    from gui import dialogs

    w = demo_window
    pubs = w.state.layers.pubs
    asked = []

    def ask(parent, path, reason):
        asked.append((path, reason))
        return "pubs"

    monkeypatch.setattr(dialogs, "ask_kind", ask)
    venues = tmp_path / "venues.csv"  # no hint in the name or the columns: the window asks
    lon, lat = -1.93, 51.25  # the middle of the demo town
    venues.write_text("name,latitude,longitude\n" + "".join(
        f"Venue {i},{lat + i * 0.001:.5f},{lon + i * 0.001:.5f}\n" for i in range(5)))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(venues))])
    ev = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                    Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(w.runner.ended, timeout=GUI_TIMEOUT_MS) as blocker:
        w.dropEvent(ev)
    assert blocker.args == ["loading layers", "finished"]
    assert len(asked) == 1 and asked[0][0] == str(venues)
    assert w.state.layers.pubs is not pubs
    assert w.state.layers.reports["pubs"].rows_read == 5
    assert w.state.study.pubs == str(venues)
    # a file opened over the demo starts the user's own study: nothing of the demo is kept
    assert w.state.output is None and not w.state.is_demo
    assert w.state.study.boundaries is None and w.state.study.crimes == [] and w.state.study.population is None
    assert w.state.layers.boundaries is None and not w.banner.isVisible()
    item = w.layers_panel.item_for("pubs")
    assert item.text(1) == "5"

    # the user cancels the question: nothing is loaded
    monkeypatch.setattr(dialogs, "ask_kind", lambda *a: None)
    assert w.load_paths([str(venues)]) is None
    assert not w.runner.busy


def test_remove_layer_marks_results_stale(demo_window):
    w = demo_window
    w.remove_layer("pubs")
    assert w.state.layers.pubs is None and w.state.study.pubs is None and "pubs" not in w.state.layers.reports
    assert w.layers_panel.item_for("pubs").text(0).startswith("Pubs: not loaded")
    assert w.state.stale and "press Run" in w.status.text()
    assert w.state.output is not None  # the last results stay until the next run
    w.remove_layer("boundaries")  # crimes are placed in the boundaries: both go
    assert w.state.layers.boundaries is None and w.state.layers.crimes is None
    assert not w.state.can_analyse() and not w.analysis_panel.run_button.isEnabled()
    assert not w.actions_.run.isEnabled()
