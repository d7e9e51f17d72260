"""The engine's types: loaded layers, the units of analysis, and one typed result per stage.

Data flows one way (``../shared/DESIGN.md``): files -> :class:`Layers` -> :class:`UnitSet` ->
per-unit table -> statistics -> zones (and later stages) -> exports. Each stage of
:mod:`hotspots.pipeline` returns a *new* :class:`Analysis` (``dataclasses.replace``) with its
own result field filled; nothing a front end holds is changed behind its back, so the GUI can
keep the last analysis on screen while a new one runs.

Adding a stage (for the next capabilities: patrol spots, time, evidence, StreetSafe):

1. a frozen dataclass for its result here (or in the stage's own module, imported here under
   ``TYPE_CHECKING``) and a field on :class:`Analysis` defaulting to ``None``;
2. a function ``stage(analysis, layers, progress, cancel) -> Analysis`` in the stage's module
   that returns ``dataclasses.replace(analysis, field=result)`` and, when it adds per-LSOA
   columns, a new table (``analysis.table.assign(...)``), never an in-place change;
3. one entry in :data:`hotspots.pipeline.STAGES` (name, progress label, share of the bar);
4. its summary in :mod:`hotspots.summary` and its files in :mod:`hotspots.export.bundle`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # typing only: importing them here would load geopandas and the kernel eagerly
    import geopandas as gpd
    import pandas as pd

    from .data.report import LoadReport
    from .evidence.stage import EvidenceResult
    from .lsoa.table import FilterReport
    from .plans.spots import SpotsResult
    from .stats.local import ClusterResult
    from .stats.weights import Weights, WeightsInfo
    from .streetsafe.stage import StreetSafeResult
    from .study import Settings
    from .timeseries.stage import TimeResult
    from .when.stage import WhenResult

__all__ = ["RESULT_COLUMNS", "Layers", "UnitSet", "Analysis", "ZoneEvidence", "ZoneSummary", "ZoneResult", "FearGapResult",
           "geometry_fingerprint"]


#: lsoa_results.csv columns, in order (the DESIGN contract)
RESULT_COLUMNS = ["lsoa_code", "lsoa_name", "crimes", "harm", "value", "imd_decile", "pubs", "streetsafe",
                  "lisa_i", "lisa_p", "lisa_cluster", "gi_z", "gi_p", "gi_bin", "zone_id"]


def geometry_fingerprint(codes: Any, geometry: Any) -> str:
    """A short hash of the unit codes and their exact geometry (WKB), in row order.

    Caches (spatial weights, permutation draws) are keyed on this, never on a count: the same
    file with its rows reversed, or moved polygons with the same codes, is a different key.
    """
    import shapely

    h = hashlib.blake2b(digest_size=16)
    h.update("\x1f".join(map(str, codes)).encode("utf-8", "surrogatepass"))
    for wkb in shapely.to_wkb(np.asarray(geometry), hex=False):
        h.update(wkb if wkb is not None else b"\0")
    return h.hexdigest()


@dataclass(frozen=True)
class Layers:
    """Loaded inputs and their load reports. Only boundaries and crimes are required.

    ``sources`` holds, per layer kind, the identity of the files it was read from (paths,
    sizes and modification times), so a study that changes one file re-reads only that layer
    and what depends on it (:func:`hotspots.pipeline.load_layers` with ``previous``).
    ``placed`` holds the LSOA index of each pub and StreetSafe report, computed once at load.
    """

    boundaries: gpd.GeoDataFrame | None = None
    crimes: pd.DataFrame | None = None
    imd: pd.DataFrame | None = None
    pubs: gpd.GeoDataFrame | None = None
    streetsafe: gpd.GeoDataFrame | None = None
    population: pd.DataFrame | None = None
    harm_weights: dict[str, float] | None = None
    #: the ONS LSOA 2011 -> 2021 lookup (hotspots.data.lsoa_lookup); ``imd`` is already carried across it
    lsoa_lookup: pd.DataFrame | None = None
    #: IoD domain deciles per LSOA from the deprivation file (None when it has none, e.g. File 1)
    imd_domains: pd.DataFrame | None = None
    reports: dict[str, LoadReport] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    sources: dict[str, Any] = field(default_factory=dict)
    placed: dict[str, np.ndarray] = field(default_factory=dict)
    boundary_key: str = ""

    def replace(self, **changes: Any) -> Layers:
        return replace(self, **changes)


@dataclass(frozen=True)
class UnitSet:
    """A set of areal units the table, statistics and zone stages work on.

    LSOAs are one such set (:meth:`from_boundaries`); micro-place grid cells are another.
    ``key`` fingerprints codes and geometry for caches.
    """

    kind: str
    codes: np.ndarray
    names: np.ndarray
    geometry: np.ndarray
    area_km2: np.ndarray
    key: str
    crs: Any = None

    def __len__(self) -> int:
        return len(self.codes)

    @classmethod
    def from_boundaries(cls, boundaries: gpd.GeoDataFrame, key: str = "") -> UnitSet:
        codes = boundaries["lsoa_code"].to_numpy()
        geoms = boundaries.geometry.values
        return cls(kind="lsoa", codes=codes, names=boundaries["lsoa_name"].to_numpy(),
                   geometry=np.asarray(geoms), area_km2=boundaries["area_km2"].to_numpy(float),
                   key=key or geometry_fingerprint(codes, geoms), crs=boundaries.crs)


@dataclass(frozen=True)
class ZoneEvidence:
    """What a briefing, the map popup and the zones panel show for one zone."""

    top_streets: list[tuple[str, int]] = field(default_factory=list)
    top_concerns: list[tuple[str, int]] = field(default_factory=list)
    pubs: list[str] = field(default_factory=list)
    #: (code, name, crimes, IMD decile or None), busiest first
    lsoas: list[tuple[str, str, int, int | None]] = field(default_factory=list)
    crime_types: list[tuple[str, int]] = field(default_factory=list)
    months: list[tuple[str, int]] = field(default_factory=list)


@dataclass(frozen=True)
class ZoneSummary:
    """The zones of a run in figures (summary.json ``zones``)."""

    count: int
    rule: str
    rule_text: str
    lsoas_in_zones: int
    share_of_crimes: float | None
    share_of_harm: float | None
    share_of_streetsafe: float | None
    share_of_area: float | None
    pai: float | None
    top_lsoas_outside_zones: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)


@dataclass(frozen=True)
class ZoneResult:
    """Zones (patrol zones, or the LSOA clusters): polygons (contract columns), the zone of each LSOA,
    evidence, summary."""

    frame: gpd.GeoDataFrame
    #: zone id per LSOA row (0 outside every zone)
    zone_of: np.ndarray
    evidence: dict[int, ZoneEvidence]
    summary: ZoneSummary
    #: packed grid keys of each zone's cells, zone 1 first (patrol zones built from cells; empty for
    #: the LSOA clusters)
    cell_keys: list[np.ndarray] = field(default_factory=list)
    #: cell side in metres of ``cell_keys`` (0 for the LSOA clusters)
    cell: float = 0.0


@dataclass(frozen=True)
class FearGapResult:
    """Where StreetSafe reports and recorded crime disagree, per LSOA."""

    #: label per LSOA: "", "fear_not_crime", "crime_not_fear", "both"
    labels: np.ndarray
    counts: dict[str, int]
    method: str
    columns: dict[str, np.ndarray] = field(default_factory=dict)
    global_moran: dict | None = None
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Analysis:
    """Everything one run produced; exports and the GUI read from here (never write to it)."""

    table: gpd.GeoDataFrame
    weights: Weights
    weights_info: WeightsInfo
    clusters: ClusterResult
    filters: FilterReport
    settings: Settings
    timings: dict[str, float] = field(default_factory=dict)
    #: the units the table rows are (LSOAs); None only for hand-built analyses in tests
    units: UnitSet | None = None
    #: patrol zones: compact groups of top-ranked cells (hotspots.plans), None before that stage ran
    zones: ZoneResult | None = None
    #: the LSOA LISA/Gi* clusters (hotspots.plans.zones): the statistical map and the bids' areas, not a patrol plan
    lsoa_clusters: ZoneResult | None = None
    fear_gap: FearGapResult | None = None
    #: crime over time: the space-time cube, emerging hot spots, trends, stability
    time: TimeResult | None = None
    #: rates against the force, bivariate LISA, cross-table, heat surfaces (hotspots.evidence)
    evidence: EvidenceResult | None = None
    #: StreetSafe accounting, concerns (:class:`hotspots.streetsafe.stage.StreetSafeResult`)
    streetsafe: StreetSafeResult | None = None
    #: patrol spots on the micro-place grid (hotspots.plans.spots), None before that stage ran
    spots: SpotsResult | None = None
    #: day-by-hour profiles and patrol windows from a records extract (hotspots.when), None without times
    when: WhenResult | None = None
    #: plain-words warnings from the stages, printed by the CLI as ``warning:`` lines
    notes: tuple[str, ...] = ()

    @property
    def zone_frame(self) -> gpd.GeoDataFrame | None:
        """The zone polygons, or None before the zones stage ran."""
        return None if self.zones is None else self.zones.frame

    def months_with_data(self) -> list[str]:
        """The analysed months that hold at least one crime (the briefing's period)."""
        return list(self.filters.months_with_data)
