"""Patrol plans built from the ranked cells: patrol zones (:mod:`.cell_zones`, :mod:`.patrol_zones`)."""

from .cell_zones import ZONE_SHARE_DEFAULT, ZONES_DEFAULT, ZoneRule, cell_zone_groups

__all__ = ["ZONE_SHARE_DEFAULT", "ZONES_DEFAULT", "ZoneRule", "cell_zone_groups"]
