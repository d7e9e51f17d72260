"""Small synthetic studies for end-to-end tests: an n x n LSOA lattice with a hot corner."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
          "Crime type,Last outcome category,Context\n")


def _csv_field(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def lattice_study(tmp_path: Path, n: int = 6, location: str = "On or near St {i}",
                  lsoa_name: str = "Lat {j}{i}") -> tuple[Path, Path]:
    """Boundaries (GeoJSON, lon/lat) and a police.uk crimes CSV with a planted hot corner."""
    feats, rows = [], []
    rng = np.random.default_rng(0)
    step = 0.01
    for j in range(n):
        for i in range(n):
            x0, y0 = 0.5 + i * step, 51.2 + j * step
            ring = [[x0, y0], [x0 + step, y0], [x0 + step, y0 + step], [x0, y0 + step], [x0, y0]]
            code = f"E01{j:03d}{i:03d}"
            feats.append({"type": "Feature",
                          "properties": {"LSOA11CD": code, "LSOA11NM": lsoa_name.format(i=i, j=j)},
                          "geometry": {"type": "Polygon", "coordinates": [ring]}})
            k = 30 if (i < 2 and j < 2) else int(rng.poisson(3))
            for m in range(k):
                lon = x0 + step * (0.2 + 0.6 * rng.random())
                lat = y0 + step * (0.2 + 0.6 * rng.random())
                ctype = "Violence and sexual offences" if m % 2 else "Anti-social behaviour"
                cid = "" if ctype == "Anti-social behaviour" else f"id{i}{j}{m}"
                month = f"2021-{1 + m % 12:02d}"
                loc = _csv_field(location.format(i=i, j=j))
                rows.append(f"{cid},{month},X,X,{lon:.6f},{lat:.6f},{loc},{code},Lat,{ctype},,\n")
    b = tmp_path / "b.geojson"
    b.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    c = tmp_path / "crimes.csv"
    c.write_text(HEADER + "".join(rows))
    return b, c


def lattice_args(tmp_path: Path, n: int = 6) -> list[str]:
    """``--boundaries`` and ``--crimes`` of a fresh :func:`lattice_study`, for the command line."""
    b, c = lattice_study(tmp_path, n)
    return ["--boundaries", str(b), "--crimes", str(c)]


def run_cli(capsys, args: list[str]) -> tuple[int, list[str]]:  # noqa: ANN001 - pytest's fixture
    """``hotspots <args>`` in-process: the exit code and stderr's non-blank lines."""
    from hotspots.cli import main

    try:
        rc = main(args)
    except SystemExit as exc:
        rc = exc.code
    return rc, [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
