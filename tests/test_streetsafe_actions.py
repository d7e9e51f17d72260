"""Actions log reader and streetsafe_update.xlsx: "You said, we did" across two quarters."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _streetsafe_synth import coast_lsoas, write_reports
from openpyxl import load_workbook

from hotspots.data.actions import actions_from_records, actions_to_records, read_actions
from hotspots.data.errors import DataError
from hotspots.data.streetsafe import read_streetsafe
from hotspots.export.documents.streetsafe_update import (
    PUBLIC_SHEET,
    SHEET,
    UPDATE_COLUMNS,
    public_html,
    write_streetsafe_update,
)
from hotspots.streetsafe.concerns import build_concerns

ACTIONS = "concern_id,date,action,agency,status\n"


def _write(tmp_path: Path, text: str, name: str = "actions.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_read_actions_csv_and_xlsx(tmp_path: Path) -> None:
    text = ACTIONS + ("ss-e612300n165450,02/07/2025,Street lights repaired,Thanet DC,done\n"
                      ",,,,\n"
                      "SS-E612450N165450,2025-08-01,=HYPERLINK(\"x\"),Kent Police,in progress\n")
    acts, rep = read_actions(_write(tmp_path, text))
    assert acts["concern_id"].tolist() == ["SS-E612300N165450", "SS-E612450N165450"]
    assert acts["date"].tolist() == ["2025-07-02", "2025-08-01"]
    assert rep.rows_read == 3 and rep.rows_kept == 2 and rep.dropped == {"blank row": 1}
    x = tmp_path / "actions.xlsx"
    pd.DataFrame({"Concern ID": ["SS-E612300N165450"], "Date": pd.to_datetime(["2025-07-02"]),
                  "Action": ["Patrols at dusk"], "Agency": ["Kent Police"], "Status": ["planned"]}).to_excel(x, index=False)
    acts2, _ = read_actions(x)
    assert acts2.iloc[0].tolist() == ["SS-E612300N165450", "2025-07-02", "Patrols at dusk", "Kent Police", "planned"]


@pytest.mark.parametrize(("row", "line", "column"), [
    ("SS-612300-165450,2025-07-02,x,a,done", 3, "concern_id"),
    ("SS-E612300N165450,31/02/2025,x,a,done", 3, "date"),
    ("SS-E612300N165450,2025-07-02,,a,done", 3, "action"),
])
def test_bad_action_rows_name_the_line(tmp_path: Path, row: str, line: int, column: str) -> None:
    good = "SS-E612300N165450,2025-07-01,ok,a,done\n"
    with pytest.raises(DataError) as err:
        read_actions(_write(tmp_path, ACTIONS + good + row + "\n"))
    assert err.value.row == line and err.value.column == column
    assert "fix:" in str(err.value)
    with pytest.raises(DataError):
        read_actions(_write(tmp_path, "concern,when\nx,y\n", "nocols.csv"))


def test_actions_round_trip_through_records() -> None:
    acts = actions_from_records([{"concern_id": "SS-E612300N165450", "date": "2025-07-02", "action": "a",
                                  "agency": "b", "status": "done"}])
    assert actions_from_records(actions_to_records(acts)).equals(acts)


def _periods(tmp_path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(9)
    centres = [(630_225.0, 170_325.0), (631_125.0, 170_775.0), (631_575.0, 170_175.0), (630_675.0, 170_625.0)]
    xs, ys, months = [], [], []
    for m in range(1, 10):
        for h, (cx, cy) in enumerate(centres):
            k = [3, 2, 1, 1][h] if h < 3 or m >= 8 else 0  # the last place: 2 reports, Aug-Sep
            xs += list(cx + rng.uniform(-50, 50, k))
            ys += list(cy + rng.uniform(-50, 50, k))
            months += [f"2025-{m:02d}-05"] * k
    xs, ys = np.array(xs), np.array(ys)
    h1 = np.array([int(mo[5:7]) <= 6 for mo in months])
    reasons = ["Catcalled;Loud music from a named neighbour"] * len(xs)
    g1, _ = read_streetsafe(write_reports(tmp_path / "h1.csv", xs[h1], ys[h1],
                                          [m for m, f in zip(months, h1, strict=True) if f],
                                          [r for r, f in zip(reasons, h1, strict=True) if f]))
    g2, _ = read_streetsafe(write_reports(tmp_path / "q3.csv", xs, ys, months, reasons))
    return build_concerns(g1, boundaries=coast_lsoas()), build_concerns(g2, boundaries=coast_lsoas())


def test_you_said_we_did_carries_actions_to_the_next_quarter(tmp_path: Path) -> None:
    jan_jun, jan_sep = _periods(tmp_path)
    picked = jan_jun["concern_id"].iloc[:3].tolist()
    log = ACTIONS + "".join(f"{cid},2025-07-1{k},Action {k} for {cid},Agency {k},done\n" for k, cid in enumerate(picked))
    log += f"{picked[0]},2025-08-20,Follow-up patrols,Kent Police,in progress\n"
    acts, _ = read_actions(_write(tmp_path, log))
    out = write_streetsafe_update(jan_sep, acts, tmp_path / "streetsafe_update.xlsx", period="Jan-Sep 2025")
    wb = load_workbook(out)
    assert wb.sheetnames[:2] == [SHEET, PUBLIC_SHEET]
    rows = list(wb[SHEET].iter_rows(values_only=True))
    assert list(rows[0]) == UPDATE_COLUMNS
    got = {r[0]: r for r in rows[1:]}
    assert set(got) == set(jan_sep["concern_id"])
    for k, cid in enumerate(picked):
        assert f"Action {k} for {cid}" in got[cid][5]
        assert got[cid][2] == int(jan_sep.set_index("concern_id").loc[cid, "reports"])
    assert got[picked[0]][6] == "in progress"  # the latest action's status
    assert got[picked[0]][5].splitlines()[-1].startswith("2025-08-20: Follow-up patrols")
    others = set(got) - set(picked)
    assert all(got[c][6] == "no action recorded" for c in others)


def test_public_page_has_no_personal_data_and_suppresses_small_counts(tmp_path: Path) -> None:
    _, jan_sep = _periods(tmp_path)
    acts = actions_from_records([{"concern_id": jan_sep["concern_id"].iloc[0], "date": "2025-07-01",
                                  "action": "Lights fixed", "agency": "KCC", "status": "done"}])
    out = write_streetsafe_update(jan_sep, acts, tmp_path / "u.xlsx")
    rows = list(load_workbook(out)[PUBLIC_SHEET].iter_rows(values_only=True))
    header = rows[2]
    assert "latitude" not in " ".join(map(str, header)).lower()
    body = [dict(zip(header, r, strict=True)) for r in rows[3:]]
    by_id = jan_sep.set_index("concern_id")["reports"]
    for r in body:
        n = int(by_id[r["Concern"]])
        assert r["Reports this period"] == ("fewer than 3" if n < 3 else str(n))
        assert "neighbour" not in r["What you told us"]  # free text stays out of print
        if n < 3:
            assert "(" not in r["What you told us"]  # no reason counts under a suppressed total
    assert any(r["Reports this period"] == "fewer than 3" for r in body)
    page = public_html(jan_sep, acts, tmp_path / "u.html", period="Jan-Sep 2025").read_text()
    assert "fewer than 3" in page and "Lights fixed" in page and "neighbour" not in page
    assert "51." not in page  # no coordinates


def test_formula_text_is_neutralised(tmp_path: Path) -> None:
    _, jan_sep = _periods(tmp_path)
    acts = actions_from_records([{"concern_id": jan_sep["concern_id"].iloc[0], "date": "",
                                  "action": '=HYPERLINK("http://evil","x")', "agency": "@evil", "status": "+1"}])
    wb = load_workbook(write_streetsafe_update(jan_sep, acts, tmp_path / "u.xlsx"))
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            for v in row:
                assert not (isinstance(v, str) and v.startswith(("=", "+", "@")))
