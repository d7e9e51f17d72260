"""The pipeline's zone stages on a hand-built analysis: spots, then patrol zones from cells (and
the LSOA clusters), then the fear gap, as :func:`hotspots.pipeline.analyse` runs them."""

from __future__ import annotations

from dataclasses import replace


def staged_cells(a, layers, rule: str | None = "hh_or_gi2", zone_share: float | None = None):
    """A new Analysis with spots, patrol zones (cells), LSOA clusters (``rule``) and the fear gap."""
    from hotspots.plans.patrol_zones import patrol_zones_stage
    from hotspots.plans.spots import spots_stage
    from hotspots.streetsafe.fear_gap import fear_gap_stage

    s = a.settings
    if rule is not None:
        s = replace(s, zone_rule=rule)
    if zone_share is not None:
        s = replace(s, zone_share=zone_share)
    a = replace(a, settings=s)
    return fear_gap_stage(patrol_zones_stage(spots_stage(a, layers), layers), layers)
