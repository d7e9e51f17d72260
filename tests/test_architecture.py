"""The shape of the house: one concern a module, the engine free of Qt and of export libraries."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 400


def test_no_module_over_the_house_limit():
    long = {str(p.relative_to(ROOT)): n for p in [*(ROOT / "hotspots").rglob("*.py"), *(ROOT / "gui").rglob("*.py")]
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}, f"split these by concern: {long}"


def test_no_gui_module_composes_the_flow():
    """The GUI calls the pipeline; it never builds zones, statistics or the per-LSOA table itself."""
    banned = ("build_table", "analyse_clusters", "build_zones", "zones_stage", "build_weights", "filter_crimes",
              "read_crimes", "read_boundaries")
    offenders = {str(p.relative_to(ROOT)): [b for b in banned if b in p.read_text(encoding="utf-8")]
                 for p in (ROOT / "gui").rglob("*.py")}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_engine_import_loads_no_export_libraries():
    code = ("import hotspots.pipeline, hotspots.cli, hotspots.model, hotspots.stats, sys; "
            "bad = [m for m in ('PySide6', 'folium', 'matplotlib', 'openpyxl', 'docx') if m in sys.modules]; "
            "assert not bad, bad")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
