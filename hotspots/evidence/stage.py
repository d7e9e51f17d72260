"""The evidence stage: rates, bivariate LISA, cross-table and heat surfaces for one run.

One call after the hot spots and zones (:func:`evidence_stage`) computes everything the
evidence exports need and adds the per-LSOA columns to the analysis table, so the CSV, the
XLSX, the map and the Word pack all read the same numbers. Each part runs only when its
layers are there: rates and the cross-table need a population, ``bv_pubs`` a pubs layer,
``bv_imd`` a deprivation layer; the heat surfaces need only crimes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..progress import CancelFn, Cancelled, ProgressFn
from .bivariate import CAUTION, BivariateResult, bivariate_evidence
from .counts import VAWG_TYPE, month_mask, type_counts
from .crosstab import CrossTab, cross_table
from .kde import BANDWIDTH_REASON, DEFAULT_BANDWIDTH_M, DEFAULT_CELL_M, HeatSurface, kde_surface
from .rates import RatesResult, lsoa_rates

__all__ = ["EvidenceResult", "evidence_stage", "heat_surfaces", "heat_note", "EVIDENCE_COLUMNS"]

#: the evidence columns of lsoa_results.csv, after the contract columns (present when computed)
EVIDENCE_COLUMNS = ["population", "rate_per_1000", "rate_vs_force", "rate_percentile", "crime_decile_national",
                    "bv_pubs", "bv_pubs_p", "bv_imd", "bv_imd_p"]


@dataclass(frozen=True)
class EvidenceResult:
    """What the evidence stage produced (None where its layers were missing).

    The heat surfaces are computed on first use (:attr:`heat`): they cost about a second each
    for a county and only the exports need them, so re-analysing in the GUI stays quick.
    """

    rates: RatesResult | None = None
    bivariate: BivariateResult | None = None
    crosstab: CrossTab | None = None
    vawg: np.ndarray | None = None
    notes: tuple[str, ...] = ()
    #: (table, crimes, pubs, settings) the heat surfaces are made from, and their cache
    _heat_inputs: tuple | None = field(default=None, repr=False, compare=False)
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def heat(self) -> list[HeatSurface]:
        """Kernel density surfaces: the analysed crimes, VAWG or the selected types, pubs."""
        if "heat" not in self._cache:
            from .early_heat import take_heat

            early = take_heat(*self._heat_inputs) if self._heat_inputs else None  # started beside the analysis
            self._cache["heat"] = early if early is not None else (
                heat_surfaces(*self._heat_inputs) if self._heat_inputs else [])
        return self._cache["heat"]

    @property
    def has_population(self) -> bool:
        return self.rates is not None

    def summary(self) -> dict[str, Any]:
        """Plain numbers for summary.json (the heat grids only once they were computed)."""
        out: dict[str, Any] = {"notes": list(self.notes)}
        if self.rates is not None:
            f = self.rates.force
            out["force_rate"] = {"crimes": f.count, "population": f.population, "per_1000": f.per_1000,
                                 "lsoas_without_population": self.rates.lsoas_without_population}
        if self.bivariate is not None:
            out["bivariate"] = {"counts": self.bivariate.counts, "variables": self.bivariate.variables,
                                "p_cutoffs": self.bivariate.thresholds, "notes": self.bivariate.notes,
                                "caution": CAUTION}
        if self.crosstab is not None:
            out["crosstab"] = {"force": self.crosstab.force,
                               "groups": self.crosstab.groups.to_dict(orient="records")}
        out["heat"] = {"kernel": "gaussian", "bandwidth_m": DEFAULT_BANDWIDTH_M, "cell_m": DEFAULT_CELL_M,
                       "why": BANDWIDTH_REASON}
        if "heat" in self._cache:
            out["heat"]["surfaces"] = [{"label": h.label, "bandwidth_m": h.bandwidth, "cell_m": h.cell,
                                        "points": h.points, "rows": h.shape[0], "cols": h.shape[1]}
                                       for h in self._cache["heat"]]
        return out


def heat_surfaces(table: Any, crimes: Any, pubs: Any, settings: Any, *, bandwidth: float = DEFAULT_BANDWIDTH_M,
                  cell: float = DEFAULT_CELL_M) -> list[HeatSurface]:
    """Surfaces of the analysed crimes, of each selected type (VAWG when none was selected),
    and of pubs, all on one grid over the study's LSOAs (``table``'s geometry)."""
    s = settings
    months = month_mask(crimes, s.month_from, s.month_to)
    bounds = tuple(float(v) for v in table.total_bounds)
    geoms = table.geometry.values
    x, y = crimes["x"].to_numpy(float), crimes["y"].to_numpy(float)
    types = crimes["crime_type"]
    analysed = months & (types.isin(s.crime_types).to_numpy() if s.crime_types else True)
    label = "Crime (" + (", ".join(s.crime_types) if s.crime_types else "all types") + ")"
    out = [kde_surface(x[analysed], y[analysed], bounds, bandwidth=bandwidth, cell=cell, study=geoms, label=label)]
    cell = out[0].cell  # a coarsened grid stays the same for every band
    inside = ~np.isnan(out[0].values)  # the study mask, rasterised once
    extra = [] if s.crime_types and len(s.crime_types) == 1 else list(s.crime_types or [VAWG_TYPE])
    for ct in extra:
        m = months & (types == ct).to_numpy()
        out.append(kde_surface(x[m], y[m], bounds, bandwidth=bandwidth, cell=cell, mask=inside,
                               label=("VAWG: " if ct == VAWG_TYPE else "") + ct))
    if pubs is not None and len(pubs):
        out.append(kde_surface(pubs.geometry.x.to_numpy(float), pubs.geometry.y.to_numpy(float), bounds,
                               bandwidth=bandwidth, cell=cell, mask=inside, label="Pubs"))
    return out


def evidence_stage(analysis: Any, layers: Any, progress: ProgressFn | None = None,
                   cancel: CancelFn | None = None) -> Any:
    """The pipeline's evidence stage: a new Analysis with ``evidence`` and the evidence columns.

    Rates (and the cross-table) need a population per LSOA; ``bv_pubs`` a pubs layer; ``bv_imd``
    a deprivation layer. The bivariate LISA uses the univariate run's engine, draws, seed,
    permutations, alpha and FDR rule.
    """
    from dataclasses import replace

    t = analysis.table
    table = t.copy()

    def step(msg: str, frac: float) -> None:
        if cancel and cancel():
            raise Cancelled()
        if progress:
            progress(msg, frac)

    notes: list[str] = []
    has_pop = "population" in t and np.isfinite(t["population"].to_numpy(float)).any()
    months = month_mask(layers.crimes, analysis.settings.month_from, analysis.settings.month_to)
    vawg = type_counts(layers.crimes, len(t), VAWG_TYPE, months)
    rates = bivariate = crosstab = None
    if has_pop:
        step("Rates against the force", 0.0)
        rates = lsoa_rates(t, crime_deciles=_crime_deciles(layers))
        for c in rates.frame.columns:
            table[c] = rates.frame[c].to_numpy() if c != "crime_decile_national" else rates.frame[c].array
        notes += rates.notes
    step("Bivariate LISA: crime against pubs and deprivation", 0.1)
    has_pubs = getattr(layers, "pubs", None) is not None
    has_imd = getattr(layers, "imd", None) is not None and t["imd_decile"].notna().any()
    if has_pubs or has_imd:
        clusters = getattr(analysis, "clusters", None)
        engine = getattr(clusters, "engine", "fast")
        settings = analysis.settings
        if getattr(clusters, "draws", None) and clusters.draws != settings.draws:
            settings = replace(settings, draws=clusters.draws)
        bivariate = bivariate_evidence(t, analysis.weights, settings, pubs=has_pubs, imd=has_imd, engine=engine,
                                       progress=(lambda m, f: progress(m, 0.1 + 0.8 * f)) if progress else None,
                                       cancel=cancel)
        for c in bivariate.frame.columns:
            table[c] = bivariate.frame[c].to_numpy()
    if has_pop and has_imd:
        step("Cross-table of deprivation and pubs", 0.9)
        crosstab = cross_table(t, vawg)
    result = EvidenceResult(rates=rates, bivariate=bivariate, crosstab=crosstab, vawg=vawg, notes=tuple(notes),
                            _heat_inputs=(table, layers.crimes, getattr(layers, "pubs", None), analysis.settings))
    if progress:
        progress("Evidence done", 1.0)
    return replace(analysis, table=table, evidence=result)


def _crime_deciles(layers: Any) -> Any:
    """The IoD crime-domain decile per LSOA: from the deprivation layer, else its domain table."""
    imd = getattr(layers, "imd", None)
    if imd is not None and "crime_decile" in imd and imd["crime_decile"].notna().any():
        return imd
    dom = getattr(layers, "imd_domains", None)
    if dom is not None and "Crime" in dom:
        return dom.rename(columns={"Crime": "crime_decile"})[["lsoa_code", "crime_decile"]]
    return imd


def heat_note(res: EvidenceResult) -> str:
    """The heat maps' method sentence (kernel, bandwidth and why, grid), for the pack."""
    if not res.heat:
        return ""
    h = res.heat[0]
    return (f"{BANDWIDTH_REASON} Grid {h.shape[1]} x {h.shape[0]} cells of {h.cell:g} m in EPSG:27700 (British "
            "National Grid), clipped to the study's LSOAs; values are crimes (or pubs) per km².")
