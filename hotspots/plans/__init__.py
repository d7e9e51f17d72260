"""The patrol plan and its check.

Patrol spots on the micro-place grid (:mod:`.spots`, described by :mod:`.spot_evidence`, grouped by
:mod:`.spot_groups`, typed in :mod:`.spot_result`); the places left to partners
(:mod:`.partner_places`, :mod:`.snap_points`); patrol zones built from the ranked cells
(:mod:`.cell_zones`, :mod:`.patrol_zones`, :mod:`.zone_names`); the LSOA LISA/Gi* clusters
(:mod:`.zones`, :mod:`.zone_rules`); the names maps draw (:mod:`.place_labels`); and the backtest
that scores the plans on later months (:mod:`.backtest` and its parts, :mod:`.verdict`).
"""

from .cell_zones import ZONE_SHARE_DEFAULT, ZONES_DEFAULT, ZoneRule, cell_zone_groups

__all__ = ["ZONE_SHARE_DEFAULT", "ZONES_DEFAULT", "ZoneRule", "cell_zone_groups"]
