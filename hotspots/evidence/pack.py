"""The content of a Safer Streets evidence pack, as typed data a writer (Word, XLSX) lays out.

Home Office Safer Streets bids must show that an area is *disproportionately* affected: its
crime, harm and VAWG per 1,000 residents against the force, where it ranks, how deprived it is,
whether it is rising, and where the pubs and the StreetSafe concerns are; then how the figures
were made. :func:`build_pack` gathers all of it for one or more areas (a patrol zone, a set of
LSOAs, a district; by default the top zones) from a finished analysis, so the Word and XLSX
writers only lay it out and never compute.

Area specifications (``--evidence-area``): ``top`` or ``top:N`` (the N highest-ranked zones,
default 3), ``zone:K`` (zone K; ``zone:1,2`` several), ``lsoa:E01024100,E01024101`` (one area
made of those LSOAs), ``district:Maidstone`` (every LSOA whose name starts with the district,
as ONS names LSOAs "Maidstone 001A").
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..data.errors import DataError
from .area import DEFAULT_TOP, AreaSpec, parse_area
from .counts import VAWG_TYPE, month_mask, monthly_counts, type_counts
from .rates import pooled_rate

__all__ = ["AreaSpec", "MeasureRow", "LsoaRow", "AreaEvidence", "EvidencePack", "parse_area", "resolve_areas",
           "build_pack", "SOURCES", "LICENCES", "CAVEATS", "DEFAULT_TOP"]

SOURCES = [
    "Street-level crime: police.uk (data.police.uk), the force's monthly street-level CSVs.",
    "LSOA boundaries: Office for National Statistics (ONS) Open Geography Portal.",
    "Deprivation and population: English Indices of Deprivation (MHCLG), IMD 2019 / IoD 2025, "
    "with the IoD population denominators (residents, excluding prisoners).",
    "Pubs: Open Pubs (from the Food Standards Agency register) or OpenStreetMap.",
    "StreetSafe: reports received by the force from the police.uk StreetSafe tool.",
]
LICENCES = ("Contains public sector information licensed under the Open Government Licence v3.0 "
            "(police.uk, ONS, MHCLG Indices of Deprivation). Contains OS data © Crown copyright and "
            "database right. Map data © OpenStreetMap contributors, under the Open Database Licence (ODbL).")
CAVEATS = [
    "police.uk locations are approximate: each crime is moved to the nearest of a set of anonymous "
    "snap points (\"On or near ...\"), so street-level detail is indicative, not exact.",
    "Harm weights are category-level approximations of the Cambridge Crime Harm Index (Sherman, "
    "Neyroud and Neyroud 2016): police.uk publishes 14 categories, not offences, so each weight is "
    "an average over the offences a category holds.",
    "VAWG is shown as police.uk's 'Violence and sexual offences', the nearest published category; it "
    "also holds violence against men and boys, and most VAWG is never reported.",
    "Rates are per 1,000 residents (IoD population denominators). Town centres draw visitors and "
    "night-time-economy crowds who are not residents, so their rates run high.",
    "A bivariate cluster shows co-location of crime with the neighbourhood level of pubs or "
    "deprivation, not cause (Anselin).",
]


@dataclass
class MeasureRow:
    """One line of "this area against the force"."""

    name: str
    count: float
    per_1000: float
    force_per_1000: float
    ratio: float
    percentile: float


@dataclass
class LsoaRow:
    code: str
    name: str
    crimes: int
    population: float
    rate_per_1000: float
    rate_vs_force: float
    imd_decile: int | None
    crime_decile: int | None
    bv_pubs: str
    bv_imd: str


@dataclass
class AreaEvidence:
    """Everything the pack says about one area."""

    title: str
    kind: str
    lsoa_index: np.ndarray
    lsoa_codes: list[str]
    population: float
    area_km2: float
    measures: list[MeasureRow]
    lsoas: list[LsoaRow]
    imd_deciles: dict[int, int]
    domain_deciles: dict[str, tuple[int, float]]
    monthly: pd.Series
    monthly_force: pd.Series
    trend: str
    pubs: int
    pub_names: list[str]
    streetsafe: int
    concerns: list[tuple[str, int]]
    zone_rank: int | None = None
    #: False when the run had no StreetSafe layer (then ``streetsafe`` 0 means "not known", not "none")
    streetsafe_loaded: bool = True


@dataclass
class EvidencePack:
    """The whole pack: areas, force figures, cross-table, bivariate summary, method."""

    title: str
    study: str
    period: str
    crime_types: str
    generated: str
    force: dict[str, float]
    areas: list[AreaEvidence]
    crosstab: Any = None
    bivariate: Any = None
    heat_note: str = ""
    method: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=lambda: list(SOURCES))
    licences: str = LICENCES
    caveats: list[str] = field(default_factory=lambda: list(CAVEATS))
    notes: list[str] = field(default_factory=list)


def _district_of(names: pd.Series) -> pd.Series:
    return names.astype(str).str.replace(r"\s+\d{3}[A-Z]$", "", regex=True).str.strip()


def resolve_areas(table: pd.DataFrame, zones: Any, spec: AreaSpec) -> list[tuple[str, str, np.ndarray, int | None]]:
    """(title, kind, LSOA row positions, zone rank or None) per area of ``spec``."""
    codes = table["lsoa_code"].astype(str).str.upper().to_numpy()
    zone_id = pd.to_numeric(table.get("zone_id", pd.Series(pd.NA, index=table.index)), errors="coerce").to_numpy(float)
    if spec.kind in ("top", "zone"):
        n_zones = 0 if zones is None else len(zones)
        ranks = list(range(1, min(int(spec.values[0]), n_zones) + 1)) if spec.kind == "top" else [int(v) for v in spec.values]
        out = []
        by_rank = {}  # a patrol zone's LSOAs: every LSOA it overlaps (zone_id names only the most-overlapped zone)
        zone_names = ({int(r): str(n) for r, n in zip(zones["rank"], zones["name"], strict=True) if str(n or "")}
                      if zones is not None and "name" in zones and "rank" in zones else {})
        if zones is not None and "lsoa_codes" in zones and "rank" in zones:
            by_rank = {int(r): {c.upper() for c in str(v or "").split(";") if c}
                       for r, v in zip(zones["rank"], zones["lsoa_codes"], strict=True)}
        for k in ranks:
            idx = np.flatnonzero(np.isin(codes, list(by_rank[k]))) if by_rank.get(k) else np.flatnonzero(zone_id == k)
            if not len(idx):
                raise DataError(None, f"there is no patrol zone {k} (the run found {n_zones})",
                                hint="pick a zone that exists, or name LSOAs with lsoa:CODE,...", setting="evidence_area")
            named = zone_names.get(k, "")
            out.append((f"Patrol zone {k}: {named}" if named else f"Patrol zone {k}", "zone", idx, k))
        return out
    if spec.kind == "lsoa":
        want = [v.upper() for v in spec.values]
        missing = [c for c in want if c not in set(codes)]
        if missing:
            raise DataError(None, f"LSOA(s) not in the study: {', '.join(missing[:5])}",
                            hint="use LSOA codes of the loaded boundaries", setting="evidence_area")
        idx = np.flatnonzero(np.isin(codes, want))
        where = _district_of(table["lsoa_name"].iloc[idx]).value_counts()
        place = (" in " + " and ".join(where.index[:2].astype(str))
                 + (f" and {len(where) - 2} more districts" if len(where) > 2 else "")) if len(where) else ""
        title = (f"LSOA {want[0]}" if len(want) == 1 else f"{len(want):,} selected LSOAs") + place
        return [(title, "lsoas", idx, None)]
    districts = _district_of(table["lsoa_name"])
    out = []
    for name in spec.values:
        idx = np.flatnonzero(districts.str.casefold().to_numpy() == name.casefold())
        if not len(idx):
            known = ", ".join(sorted(districts.unique())[:12])
            raise DataError(None, f"no LSOA is named after a district '{name}'",
                            hint=f"districts in this study: {known}", setting="evidence_area")
        out.append((str(districts.iloc[idx[0]]), "district", idx, None))
    return out


def _trend(series: pd.Series) -> str:
    """Mann-Kendall trend of the monthly counts, in words (Mann 1945; Kendall 1975)."""
    if len(series) < 4 or series.sum() == 0:
        return "too few months for a trend"
    import pymannkendall as mk

    r = mk.original_test(series.to_numpy(float))
    half = len(series) // 2
    first, last = series.iloc[:half].sum(), series.iloc[-half:].sum()
    change = f"; last {half} months {((last - first) / first * 100 if first else float('nan')):+.0f}% on the first {half}"
    word = {"increasing": "rising", "decreasing": "falling"}.get(r.trend, "no clear trend")
    return f"{word} (Mann-Kendall p = {r.p:.2f}, Sen slope {r.slope:+.1f} a month){change}"


def _measure(name: str, counts: np.ndarray, pop: np.ndarray, idx: np.ndarray, force: float) -> MeasureRow:
    area = pooled_rate(counts[idx], pop[idx])
    with np.errstate(divide="ignore", invalid="ignore"):
        lsoa_rates = np.where(pop > 0, counts / pop * 1000, np.nan)
    fin = lsoa_rates[np.isfinite(lsoa_rates)]
    pct = float((fin <= area.per_1000).mean() * 100) if len(fin) and np.isfinite(area.per_1000) else float("nan")
    return MeasureRow(name=name, count=float(counts[idx].sum()), per_1000=area.per_1000, force_per_1000=force,
                      ratio=area.per_1000 / force if force else float("nan"), percentile=pct)


def _opt_int(v: Any) -> int | None:
    return None if v is None or pd.isna(v) else int(v)


def build_pack(analysis: Any, layers: Any, *, spec: AreaSpec | None = None, study_name: str = "",
               domains: pd.DataFrame | None = None, crosstab: Any = None, bivariate: Any = None,
               heat_note: str | None = None) -> EvidencePack:
    """Gather the evidence for the areas of ``spec`` (default: the top zones).

    Parameters
    ----------
    analysis : a finished Analysis (table with ``population``; zones built)
    layers : its Layers (crimes for types and months, pubs and StreetSafe for the lists)
    domains : domain deciles (default ``layers.imd_domains``, from
        :func:`hotspots.data.domains.read_domain_deciles`), or None
    crosstab, bivariate, heat_note : default from ``analysis.evidence``
    """
    ev = getattr(analysis, "evidence", None)
    if domains is None:
        domains = getattr(layers, "imd_domains", None)
    if ev is not None:
        crosstab = crosstab if crosstab is not None else ev.crosstab
        bivariate = bivariate if bivariate is not None else ev.bivariate
        if heat_note is None:
            from .stage import heat_note as _heat_note

            heat_note = _heat_note(ev)
    heat_note = heat_note or ""
    t = analysis.table
    s = analysis.settings
    pop = t["population"].to_numpy(float)
    if not np.isfinite(pop).any():
        raise DataError(None, "the evidence pack needs a population per LSOA",
                        hint="load a population layer (IoD 2019 File 6) or an IoD file that carries population",
                        setting="population")
    n = len(t)
    crimes = layers.crimes
    months = month_mask(crimes, s.month_from, s.month_to)
    analysed = np.zeros(len(crimes), bool)
    sel_types = s.crime_types
    analysed[:] = months & (crimes["crime_type"].isin(sel_types).to_numpy() if sel_types else True)
    series = {"Crimes (analysed selection)": t["crimes"].to_numpy(float),
              "Crime harm (CCHI days)": t["harm"].to_numpy(float),
              "VAWG (violence and sexual offences)": type_counts(crimes, n, VAWG_TYPE, months).astype(float)}
    for ct in sel_types or []:
        if ct != VAWG_TYPE:
            series[ct] = type_counts(crimes, n, ct, months).astype(float)
    force = {k: pooled_rate(v, pop).per_1000 for k, v in series.items()}
    force_pop = pooled_rate(series["Crimes (analysed selection)"], pop).population
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(pop > 0, t["crimes"].to_numpy(float) / pop * 1000, np.nan)
    vs = rate / force["Crimes (analysed selection)"]
    dec = t["imd_decile"]
    crime_dec = (t["lsoa_code"].map(layers.imd.drop_duplicates("lsoa_code").set_index("lsoa_code")["crime_decile"])
                 if layers.imd is not None and "crime_decile" in layers.imd else pd.Series(pd.NA, index=t.index))
    if domains is not None and "Crime" in domains and crime_dec.isna().all():
        crime_dec = t["lsoa_code"].map(domains.set_index("lsoa_code")["Crime"])
    zones = getattr(analysis, "zones", None)
    evidence = zones.evidence if zones is not None else {}
    monthly_force = monthly_counts(crimes, analysed)
    areas = []
    for title, kind, idx, rank in resolve_areas(t, None if zones is None else zones.frame, spec or AreaSpec()):
        measures = [_measure(name, v, pop, idx, force[name]) for name, v in series.items()]
        rows = [LsoaRow(code=str(t["lsoa_code"].iloc[i]), name=str(t["lsoa_name"].iloc[i]), crimes=int(t["crimes"].iloc[i]),
                        population=float(pop[i]), rate_per_1000=float(rate[i]), rate_vs_force=float(vs[i]),
                        imd_decile=_opt_int(dec.iloc[i]), crime_decile=_opt_int(crime_dec.iloc[i]),
                        bv_pubs=str(t["bv_pubs"].iloc[i]) if "bv_pubs" in t else "",
                        bv_imd=str(t["bv_imd"].iloc[i]) if "bv_imd" in t else "")
                for i in idx[np.argsort(-t["crimes"].to_numpy()[idx], kind="stable")]]
        d = dec.iloc[idx].dropna().astype(int)
        doms: dict[str, tuple[int, float]] = {}
        if domains is not None:
            sub = t[["lsoa_code"]].iloc[idx].merge(domains, on="lsoa_code", how="left")
            for col in domains.columns[1:]:
                v = pd.to_numeric(sub[col], errors="coerce").dropna()
                if len(v):
                    doms[str(col)] = (int(v.min()), float(v.mean()))
        zev = evidence.get(rank) if rank else None
        pub_names = list(zev.pubs) if zev is not None else _pub_names(layers, t, idx)
        concerns = [(str(k), int(v)) for k, v in zev.top_concerns] if zev is not None else []
        m = monthly_counts(crimes, analysed, idx)
        areas.append(AreaEvidence(
            title=title, kind=kind, lsoa_index=idx, lsoa_codes=[str(c) for c in t["lsoa_code"].iloc[idx]],
            population=float(np.nansum(pop[idx])), area_km2=float(t["area_km2"].iloc[idx].sum()),
            measures=measures, lsoas=rows, imd_deciles={int(k): int(v) for k, v in d.value_counts().sort_index().items()},
            domain_deciles=doms, monthly=m, monthly_force=monthly_force, trend=_trend(m),
            pubs=int(t["pubs"].iloc[idx].sum()), pub_names=pub_names,
            streetsafe=int(t["streetsafe"].iloc[idx].sum()), concerns=concerns, zone_rank=rank,
            streetsafe_loaded=getattr(layers, "streetsafe", None) is not None))
    from ..study_title import run_facts

    facts = run_facts(analysis, layers)
    force_fig = {"population": force_pop, **{f"{k} per 1,000": v for k, v in force.items()}}
    return EvidencePack(title=f"Safer Streets evidence: {study_name or facts['study']}{_areas_words(areas)}",
                        study=study_name or facts["study"],
                        period=facts["period"], crime_types=facts["crime_types"],
                        generated=_dt.datetime.now().strftime("%d %B %Y"), force=force_fig, areas=areas,
                        crosstab=crosstab, bivariate=bivariate, heat_note=heat_note,
                        method=_method(analysis, facts, bivariate, heat_note))


def _areas_words(areas: list[Any]) -> str:
    """The pack's areas for its title: " - Patrol zone 2: Maidstone: ...", " - patrol zones 1, 2 and 3"."""
    if not areas:
        return ""
    if len(areas) == 1:
        return f" - {areas[0].title}"
    ranks = [a.zone_rank for a in areas]
    if all(r is not None for r in ranks):
        return " - patrol zones " + ", ".join(str(r) for r in ranks[:-1]) + f" and {ranks[-1]}"
    return " - " + "; ".join(a.title for a in areas[:3]) + (f" and {len(areas) - 3} more" if len(areas) > 3 else "")


def _pub_names(layers: Any, t: pd.DataFrame, idx: np.ndarray) -> list[str]:
    """Names of the pubs placed in the LSOA rows ``idx`` (the loader's placement when there is one)."""
    pubs = getattr(layers, "pubs", None)
    if pubs is None or not len(pubs) or "name" not in pubs:
        return []
    where = getattr(layers, "placed", {}).get("pubs")
    if where is None or len(where) != len(pubs):
        from ..units.placement import assign_lsoa

        where = assign_lsoa(pubs.geometry.x.to_numpy(float), pubs.geometry.y.to_numpy(float), t.geometry.values)
    names = pubs["name"].fillna("").astype(str).to_numpy()[np.isin(where, idx)]
    return sorted((x for x in names if x), key=str.casefold)


def _method(analysis: Any, facts: dict[str, str], bivariate: Any, heat_note: str) -> list[str]:
    s = analysis.settings
    out = [
        f"Crimes are police.uk street-level records for {facts['period']} ({facts['crime_types']}), placed in "
        "2011/2021 LSOAs by point-in-polygon. Rates are per 1,000 residents; the force rate is pooled "
        "(all crimes over all residents), and 'x force' is the area's rate over the force rate.",
        f"Hot spots: {facts['method']}; seed {s.seed}. Patrol zones are compact groups of the top-ranked "
        "150 m grid cells (each within a 2 km square), ranked by their total; a zone's figures here are those of "
        "the LSOAs it overlaps.",
    ]
    if bivariate is not None and getattr(bivariate, "variables", None):
        vars_ = "; ".join(f"{k}: crime against {v}" for k, v in bivariate.variables.items())
        out.append("Bivariate Local Moran (esda Moran_Local_BV; Anselin, Syabri and Smirnov 2002) relates the "
                   f"analysed crime in each LSOA to the other variable in its neighbours ({vars_}), with the same "
                   "permutations, seed and significance rule as the hot spots. " + " ".join(bivariate.notes))
    if heat_note:
        out.append(f"Heat maps: Gaussian kernel density (binned, scipy). {heat_note}")
    out.append("Trends: Mann-Kendall test on monthly counts with Sen's slope.")
    return out
