"""The engine imports with no display and without heavy optional libraries."""

import subprocess
import sys


def test_import_hotspots_loads_no_qt_folium_or_matplotlib():
    code = ("import hotspots, hotspots.pipeline, hotspots.cli, hotspots.model, sys; "
            "bad = [m for m in ('PySide6', 'folium', 'matplotlib') if m in sys.modules]; "
            "assert not bad, bad")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_no_qt_import_in_engine_source():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "hotspots"
    offenders = [str(p) for p in root.rglob("*.py") if "PySide6" in p.read_text(encoding="utf-8")
                 or "PyQt" in p.read_text(encoding="utf-8")]
    assert offenders == []
