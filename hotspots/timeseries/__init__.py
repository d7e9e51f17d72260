"""Crime over time: the space-time cube, emerging hot spots, trends and stability.

- :mod:`.cube`: counts per unit x month x crime type, built once from the loaded crimes;
- :mod:`.mann_kendall`: vectorised Mann-Kendall trend test and Sen's slope;
- :mod:`.gi_star`, :mod:`.emerging`: ArcGIS's Emerging Hot Spot Analysis (17 categories);
- :mod:`.trends`: per-LSOA and per-district monthly series, trends and a 1-3 month district outlook (:mod:`.outlook`);
- :mod:`.stability`: how the top 10 LSOAs change from one period to the next.
"""

from __future__ import annotations

from .cube import SpaceTimeCube, month_range
from .emerging import (
           CATEGORIES,
           MIN_STEPS,
           EmergingResult,
           TooFewSteps,
           classify_units,
           emerging_hot_spots,
)
from .mann_kendall import MannKendall, mann_kendall, sens_slope

__all__ = ["SpaceTimeCube", "month_range", "CATEGORIES", "MIN_STEPS", "EmergingResult", "TooFewSteps",
           "classify_units", "emerging_hot_spots", "MannKendall", "mann_kendall", "sens_slope"]
