"""Stamping the run id into outputs: what the commit's stamps need is imported before it."""

from __future__ import annotations

import subprocess
import sys


def test_ready_to_stamp_imports_rasterio_only_for_a_geotiff():
    """The exports make the commit's GeoTIFF stamp ready while they wait for the child writing it."""
    code = ("import sys\n"
            "from hotspots.export._stamps import ready_to_stamp\n"
            "ready_to_stamp(['briefing.pdf', 'patrol_zones.gpkg'])\n"
            "before = 'rasterio' in sys.modules\n"
            "ready_to_stamp(['briefing.pdf', 'heat.tif'])\n"
            "print(before, 'rasterio' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]
