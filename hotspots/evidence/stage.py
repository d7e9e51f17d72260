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
from .bivariate import BivariateResult, bivariate_evidence
from .counts import VAWG_TYPE, month_mask, type_counts
from .crosstab import CrossTab, cross_table
from .kde import BANDWIDTH_REASON, DEFAULT_BANDWIDTH_M, DEFAULT_CELL_M, HeatSurface, kde_surface
from .rates import RatesResult, lsoa_rates

__all__ = ["EvidenceResult", "evidence_stage", "heat_surfaces", "heat_note", "EVIDENCE_COLUMNS"]

#: the evidence columns of lsoa_results.csv, after the contract columns (present when computed)
EVIDENCE_COLUMNS = ["population", "rate_per_1000", "rate_vs_force", "rate_percentile", "crime_decile_national",
                    "bv_pubs", "bv_pubs_p", "bv_imd", "bv_imd_p"]


@dataclass
class EvidenceResult:
    """What the evidence stage produced (None where its layers were missing)."""

    rates: RatesResult | None = None
    bivariate: BivariateResult | None = None
    crosstab: CrossTab | None = None
    heat: list[HeatSurface] = field(default_factory=list)
    vawg: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Plain numbers for summary.json."""
        out: dict[str, Any] = {"notes": list(self.notes)}
        if self.rates is not None:
            f = self.rates.force
            out["force_rate"] = {"crimes": f.count, "population": f.population, "per_1000": f.per_1000,
                                 "lsoas_without_population": self.rates.lsoas_without_population}
        if self.bivariate is not None:
            out["bivariate"] = {"counts": self.bivariate.counts, "variables": self.bivariate.variables,
                                "p_cutoffs": self.bivariate.thresholds, "notes": self.bivariate.notes}
        if self.heat:
            out["heat"] = [{"label": h.label, "bandwidth_m": h.bandwidth, "cell_m": h.cell, "points": h.points,
                            "rows": h.shape[0], "cols": h.shape[1]} for h in self.heat]
        return out


def heat_surfaces(analysis: Any, layers: Any, *, bandwidth: float = DEFAULT_BANDWIDTH_M,
                  cell: float = DEFAULT_CELL_M) -> list[HeatSurface]:
    """Surfaces of the analysed crimes, of each selected type (VAWG when none was selected),
    and of pubs, all on one grid over the study."""
    t = analysis.table
    s = analysis.settings
    crimes = layers.crimes
    months = month_mask(crimes, s.month_from, s.month_to)
    bounds = tuple(float(v) for v in t.total_bounds)
    geoms = t.geometry.values
    x, y = crimes["x"].to_numpy(float), crimes["y"].to_numpy(float)
    types = crimes["crime_type"]
    analysed = months & (types.isin(s.crime_types).to_numpy() if s.crime_types else True)
    label = "Crime (" + (", ".join(s.crime_types) if s.crime_types else "all types") + ")"
    out = [kde_surface(x[analysed], y[analysed], bounds, bandwidth=bandwidth, cell=cell, study=geoms, label=label)]
    cell = out[0].cell  # a coarsened grid stays the same for every band
    extra = [ct for ct in (s.crime_types or [VAWG_TYPE])]
    if s.crime_types and len(s.crime_types) == 1:
        extra = []  # the analysed surface already is that type
    for ct in extra:
        m = months & (types == ct).to_numpy()
        out.append(kde_surface(x[m], y[m], bounds, bandwidth=bandwidth, cell=cell, study=geoms,
                               label=("VAWG: " if ct == VAWG_TYPE else "") + ct))
    pubs = getattr(layers, "pubs", None)
    if pubs is not None and len(pubs):
        out.append(kde_surface(pubs.geometry.x.to_numpy(float), pubs.geometry.y.to_numpy(float), bounds,
                               bandwidth=bandwidth, cell=cell, study=geoms, label="Pubs"))
    return out


def evidence_stage(
    analysis: Any,
    layers: Any,
    *,
    heat: bool = True,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> EvidenceResult:
    """Compute the evidence for a finished analysis and add its columns to ``analysis.table``.

    Parameters
    ----------
    analysis : Analysis after the hot spots (``table``, ``weights``, ``settings``)
    layers : its Layers (``crimes``; ``pubs``, ``imd``, ``population`` when loaded)
    heat : compute the kernel density surfaces (about a second each for a county)
    """
    t = analysis.table
    res = EvidenceResult()

    def step(msg: str, frac: float) -> None:
        if cancel and cancel():
            raise Cancelled()
        if progress:
            progress(msg, frac)

    has_pop = "population" in t and np.isfinite(t["population"].to_numpy(float)).any()
    months = month_mask(layers.crimes, analysis.settings.month_from, analysis.settings.month_to)
    res.vawg = type_counts(layers.crimes, len(t), VAWG_TYPE, months)
    if has_pop:
        step("Rates against the force", 0.0)
        res.rates = lsoa_rates(t, crime_deciles=layers.imd)
        for c in res.rates.frame.columns:
            t[c] = res.rates.frame[c].to_numpy() if c != "crime_decile_national" else res.rates.frame[c].array
        res.notes += res.rates.notes
    step("Bivariate LISA", 0.2)
    has_pubs = getattr(layers, "pubs", None) is not None
    has_imd = getattr(layers, "imd", None) is not None and t["imd_decile"].notna().any()
    if has_pubs or has_imd:
        res.bivariate = bivariate_evidence(t, analysis.weights, analysis.settings, pubs=has_pubs, imd=has_imd,
                                           cancel=cancel)
        for c in res.bivariate.frame.columns:
            t[c] = res.bivariate.frame[c].to_numpy()
    if has_pop and has_imd:
        step("Cross-table", 0.4)
        res.crosstab = cross_table(t, res.vawg)
    if heat:
        step("Heat maps", 0.5)
        res.heat = heat_surfaces(analysis, layers)
        res.notes += [n for h in res.heat for n in h.notes]
    if progress:
        progress("Evidence done", 1.0)
    return res


def heat_note(res: EvidenceResult) -> str:
    """The heat maps' method sentence (kernel, bandwidth and why, grid), for the pack."""
    if not res.heat:
        return ""
    h = res.heat[0]
    return (f"{BANDWIDTH_REASON} Grid {h.shape[1]} x {h.shape[0]} cells of {h.cell:g} m in EPSG:27700 (British "
            "National Grid), clipped to the study's LSOAs; values are crimes (or pubs) per km².")
