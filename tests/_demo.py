"""The embedded demo study, loaded and analysed: the shared start of the export tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


def analysed_demo(**settings: Any) -> tuple[Any, Any, Any]:
    """``(analysis, layers, study)`` of the demo study under ``Settings(**settings)``; the test
    is skipped where the demo data has not been generated."""
    from hotspots.pipeline import analyse, load_layers
    from hotspots.study import Settings, demo_study

    study = demo_study()
    if not Path(study.boundaries).exists():
        pytest.skip("demo data not generated")
    s = Settings(**settings)
    layers = load_layers(study, settings=s)
    return analyse(layers, s), layers, study
