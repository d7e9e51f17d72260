"""The issue's acceptance on real Kent: StreetSafe test reports, three recorded actions, ``--public``."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import numpy as np
import pytest
from _paths import KENT_BOUNDARIES, KENT_CRIME, need_real
from openpyxl import load_workbook

from hotspots.cli import main
from hotspots.data._tables import to_bng

pytestmark = [pytest.mark.realdata, pytest.mark.slow]
SMALL = {"1", "2", "3", "4"}


def _streetsafe(tmp: Path) -> tuple[Path, list[tuple[float, float]]]:
    """355 reports: 25 places with 4-19 reports each near recorded crime, and 55 single reports."""
    import pandas as pd

    cr = pd.concat([pd.read_csv(p, usecols=["Longitude", "Latitude"]).dropna()
                    for p in sorted(KENT_CRIME.glob("*.csv"))[:2]])
    rng = np.random.default_rng(24)
    pts, rows = [], ["id,date,latitude,longitude,reasons,comment"]
    hubs = cr.sample(25, random_state=3)[["Latitude", "Longitude"]].to_numpy()
    for h, (la, lo) in enumerate(hubs):
        for _ in range(4 + h % 16):
            pts.append((la + rng.normal(0, 1e-4), lo + rng.normal(0, 1.5e-4)))
    for la, lo in cr.sample(55, random_state=5)[["Latitude", "Longitude"]].to_numpy():
        pts.append((la, lo))
    for k, (la, lo) in enumerate(pts):
        rows.append(f"K{k},2021-{1 + k % 12:02d}-0{1 + k % 9},{la:.6f},{lo:.6f},Badly lit;Being followed,"
                    "He lives at 14 Acacia Road")
    path = tmp / "ss.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path, pts


def test_kent_publication_set_meets_the_acceptance(tmp_path: Path) -> None:
    need_real(KENT_BOUNDARIES, KENT_CRIME)
    ss, pts = _streetsafe(tmp_path)
    x, y = to_bng(4326).transform(np.array([p[1] for p in pts]), np.array([p[0] for p in pts]))
    from hotspots.streetsafe.concerns import concern_ids

    ids = concern_ids(x, y)
    counts = {i: int((ids == i).sum()) for i in set(ids)}
    big = sorted((i for i, n in counts.items() if n >= 3), key=lambda i: -counts[i])[:2]
    single = sorted(i for i, n in counts.items() if n == 1)[0]
    acts = tmp_path / "actions.csv"
    acts.write_text("concern_id,date,action,agency,status\n" + "".join(
        f"{cid},2021-1{k}-0{k + 1},Action {k},Agency {k},done\n" for k, cid in enumerate([*big, single])),
        encoding="utf-8")
    out = tmp_path / "pub"
    rc = main(["analyse", "--boundaries", str(KENT_BOUNDARIES), "--crimes", str(KENT_CRIME), "--streetsafe", str(ss),
               "--actions", str(acts), "--permutations", "99", "--quiet", "--public", "--out", str(out)])
    assert rc == 0
    with open(out / "lsoa_results.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) > 1000
    assert not [v for r in rows for k, v in r.items() if k in ("crimes", "streetsafe") and v in SMALL]
    assert any(r["streetsafe"] == "fewer than 5" for r in rows)
    for name in ("patrol_zones.geojson", "patrol_spots.geojson"):
        gj = json.loads((out / name).read_text(encoding="utf-8"))
        for ft in gj["features"]:
            p = ft["properties"]
            for k in ("crimes", "streetsafe", "streetsafe_100m"):
                assert p.get(k) not in (1, 2, 3, 4), (name, k, p.get(k))
            for nested in ("crimes_by_month", "crimes_by_type", "streetsafe_reasons"):
                assert not set((p.get(nested) or {}).values()) & {1, 2, 3, 4}
    body = list(load_workbook(out / "streetsafe_update.xlsx")["Public update"].iter_rows(values_only=True))[4:]
    what = [r[3] for r in body]
    assert sorted(w for cell in what for w in cell.split("\n")) == ["Action 0", "Action 1", "Action 2"]
    assert all(r[0] and not re.search(r"SS-E\d", r[0]) for r in body)
    assert any(r[0].startswith("Other places in ") for r in body)  # the single report, by town only
    report_pts = {(f"{lo:.5f}", f"{la:.5f}") for la, lo in pts}
    for p in out.iterdir():
        if p.suffix in (".html", ".geojson", ".csv", ".json"):
            text = p.read_text(encoding="utf-8")
            pairs = re.findall(r"(-?\d+\.\d+)\"?,\s*\"?(-?\d+\.\d+)", text)
            found = {(f"{float(a):.5f}", f"{float(b):.5f}") for a, b in pairs}
            assert not found & report_pts, p.name
            assert "Acacia" not in text and not re.search(r"SS-E\d+N\d+", text), p.name
    assert "Total cells suppressed" in (out / "disclosure.txt").read_text(encoding="utf-8")
