"""Stamping the run id into outputs: what the commit's stamps need is imported before it."""

from __future__ import annotations

from _imports import imported_after


def test_ready_to_stamp_imports_rasterio_only_for_a_geotiff():
    """The exports make the commit's GeoTIFF stamp ready while they wait for the child writing it."""
    code = ("from hotspots.export._stamps import ready_to_stamp\n"
            "ready_to_stamp(['briefing.pdf', 'patrol_zones.gpkg'])")
    assert imported_after(code, "rasterio") == [False]
    assert imported_after(code + "\nready_to_stamp(['briefing.pdf', 'heat.tif'])", "rasterio") == [True]
