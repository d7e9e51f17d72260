"""The inquiry's cross-table: deprivation x pub concentration, with crime and VAWG rates.

The inquiry reported that "the areas with the highest concentration of pubs were also the
areas with higher crime rates" and that adding deprivation made the link stronger. This
table lets anyone check that on their own force: LSOAs are grouped by IMD decile band (rows)
and by pubs per km² band (columns), and each group gets its LSOAs, residents, crimes, VAWG
("Violence and sexual offences") and both *pooled* rates per 1,000 residents (group crimes /
group residents, so small LSOAs do not sway a group).

Bands: IMD deciles in pairs (1-2 = the most deprived 20% of England's LSOAs ... 9-10 the
least); pub density in fixed bands, **none**, **up to 2**, **2 to 10**, **over 10** pubs per km²,
fixed rather than quantiles so two forces' tables can be compared (in Kent 2021 about three
quarters of LSOAs have no pub in the Open Pubs subset, and the pub LSOAs' quartiles are about 0.2,
1.3, 4 and 11 per km²).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["CrossTab", "cross_table", "IMD_BANDS", "PUB_BANDS"]

#: (label, lowest decile, highest decile)
IMD_BANDS = [("1-2 (most deprived)", 1, 2), ("3-4", 3, 4), ("5-6", 5, 6), ("7-8", 7, 8),
             ("9-10 (least deprived)", 9, 10)]
#: (label, lower bound exclusive, upper bound inclusive) in pubs per km²; the first is exactly 0
PUB_BANDS = [("no pubs", -np.inf, 0.0), ("up to 2 per km²", 0.0, 2.0), ("2-10 per km²", 2.0, 10.0),
             ("over 10 per km²", 10.0, np.inf)]


@dataclass
class CrossTab:
    """The long table (one row per group) and wide views of its rates.

    Attributes
    ----------
    groups : one row per (imd_band, pub_band): ``lsoas``, ``population``, ``crimes``, ``vawg``,
        ``crime_per_1000``, ``vawg_per_1000`` (NaN where the group has no residents)
    force : force-wide crimes and VAWG per 1,000, for the caption
    notes : what was left out (LSOAs with no decile or no population)
    """

    groups: pd.DataFrame
    force: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def wide(self, value: str = "crime_per_1000") -> pd.DataFrame:
        """Rows = IMD bands, columns = pub bands, cells = ``value``."""
        w = self.groups.pivot(index="imd_band", columns="pub_band", values=value)
        return w.reindex(index=[b[0] for b in IMD_BANDS], columns=[b[0] for b in PUB_BANDS])


def _band(values: np.ndarray, bands: list[tuple[str, float, float]]) -> np.ndarray:
    out = np.full(len(values), None, dtype=object)
    for label, lo, hi in bands:
        out[(values > lo) & (values <= hi)] = label
    return out


def cross_table(
    table: pd.DataFrame,
    vawg: np.ndarray,
    *,
    crimes: np.ndarray | None = None,
    population: np.ndarray | None = None,
) -> CrossTab:
    """Group LSOAs by IMD decile band x pubs-per-km² band and pool their rates.

    Parameters
    ----------
    table : the LSOA table (``imd_decile``, ``pubs``, ``area_km2``, ``crimes``, ``population``)
    vawg : "Violence and sexual offences" per LSOA, aligned with ``table``
    crimes : crimes per LSOA (default ``table["crimes"]``, the analysed selection)
    population : residents per LSOA (default ``table["population"]``)
    """
    dec = pd.to_numeric(table["imd_decile"], errors="coerce").to_numpy(float)
    area = table["area_km2"].to_numpy(float)
    dens = np.where(area > 0, table["pubs"].to_numpy(float) / np.where(area > 0, area, 1.0), np.nan)
    pop = np.asarray(table["population"] if population is None else population, float)
    c = np.asarray(table["crimes"] if crimes is None else crimes, float)
    v = np.asarray(vawg, float)
    imd_band = np.full(len(dec), None, dtype=object)
    for label, lo, hi in IMD_BANDS:
        imd_band[(dec >= lo) & (dec <= hi)] = label
    pub_band = _band(dens, PUB_BANDS)
    ok_pop = np.isfinite(pop) & (pop > 0)
    notes = []
    if (imd_band == None).any():  # noqa: E711 - object array
        notes.append(f"{int((imd_band == None).sum())} LSOAs have no IMD decile and are not in the table")  # noqa: E711
    if (~ok_pop).any():
        notes.append(f"{int((~ok_pop).sum())} LSOAs have no population and count in 'LSOAs' only")
    frame = pd.DataFrame({"imd_band": imd_band, "pub_band": pub_band, "lsoas": 1,
                          "population": np.where(ok_pop, pop, 0.0), "crimes": np.where(ok_pop, c, 0.0),
                          "vawg": np.where(ok_pop, v, 0.0)})
    frame = frame[frame["imd_band"].notna() & frame["pub_band"].notna()]
    full = pd.MultiIndex.from_product([[b[0] for b in IMD_BANDS], [b[0] for b in PUB_BANDS]],
                                      names=["imd_band", "pub_band"])
    g = frame.groupby(["imd_band", "pub_band"]).sum().reindex(full, fill_value=0).reset_index()
    with np.errstate(divide="ignore", invalid="ignore"):
        g["crime_per_1000"] = np.where(g["population"] > 0, g["crimes"] / g["population"] * 1000, np.nan)
        g["vawg_per_1000"] = np.where(g["population"] > 0, g["vawg"] / g["population"] * 1000, np.nan)
    g["lsoas"] = g["lsoas"].astype(int)
    g["crimes"] = g["crimes"].astype(int)
    g["vawg"] = g["vawg"].astype(int)
    tp = float(pop[ok_pop].sum())
    force = {"crime_per_1000": float(c[ok_pop].sum() / tp * 1000) if tp else float("nan"),
             "vawg_per_1000": float(v[ok_pop].sum() / tp * 1000) if tp else float("nan")}
    return CrossTab(groups=g, force=force, notes=notes)
