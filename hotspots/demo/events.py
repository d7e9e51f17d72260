"""Events in the town: a year of police.uk street-level crimes and of StreetSafe reports.

Crimes mix a background that follows population and deprivation with a night-time-economy
hot spot around the pubs and a smaller cluster on the estate; StreetSafe reports gather on
the nightlife streets, on the feared park/underpass path where little crime is recorded, and
on the estate. These are the planted patterns the analysis must find.
"""

from __future__ import annotations

__all__ = ["crimes", "streetsafe"]

import numpy as np

from .places import along
from .plan import (
    CRIME_TYPES,
    ESTATE,
    ESTATE_STREETS,
    FEAR_PATH,
    FORCE,
    NIGHTLIFE,
    OUTCOMES,
    STREETS,
    STREETSAFE_REASONS,
    YEAR,
)
from .town import Town, gauss, to_lonlat


def _norm(w: np.ndarray) -> np.ndarray:
    return w / w.sum()


def crimes(town: Town, snaps: dict[str, np.ndarray], pubs: list[dict],
           rng: np.random.Generator) -> dict[str, list[list[str]]]:
    """Monthly police.uk rows: background + night-time-economy + estate intensities per snap point."""
    x, y, lsoa = snaps["x"], snaps["y"], snaps["lsoa"]
    n_lsoa = len(town.code)
    per_lsoa = (town.population * (0.45 + town.score / 30.0) * np.where(town.rural, 0.55, 1.0)
                * np.where(town.park, 0.3, 1.0))
    share = rng.gamma(2.0, 1.0, len(x))
    share /= np.bincount(lsoa, weights=share, minlength=n_lsoa)[lsoa]  # sums to 1 in each LSOA
    bg = _norm(per_lsoa[lsoa] * share)
    est = _norm(gauss(town.px, town.py, ESTATE, 550.0)[lsoa] * share)  # spread over the estate's LSOAs
    nte = np.zeros(len(x))
    for p in pubs:
        if p["x"] is not None and p["street"] in NIGHTLIFE:
            nte += np.exp(-((x - p["x"]) ** 2 + (y - p["y"]) ** 2) / (2 * 220.0**2))
    nte = _norm(nte)
    season = 1 + 0.08 * np.sin(2 * np.pi * (np.arange(12) - 4) / 12) + rng.normal(0, 0.04, 12)
    outcomes, p_out = list(OUTCOMES), _norm(np.array(list(OUTCOMES.values()), float))
    months: dict[str, list[list[str]]] = {}
    for m in range(12):
        month, rows = f"{YEAR}-{m + 1:02d}", []
        for ctype, (total, f_nte, f_est) in CRIME_TYPES.items():
            n = rng.poisson(total / 12 * season[m])
            at = rng.choice(len(x), n, p=(1 - f_nte - f_est) * bg + f_nte * nte + f_est * est)
            asb = ctype == "Anti-social behaviour"
            for s in at:
                k = int(lsoa[s])
                if rng.random() < 0.03 and len(town.neighbours[k]):  # police.uk anonymisation
                    k = int(rng.choice(town.neighbours[k]))
                outcome = "" if asb else str(rng.choice(outcomes, p=p_out))
                if ctype == "Drugs" and rng.random() < 0.35:
                    outcome = "Offender given a drugs possession warning"
                if not asb and m >= 9 and rng.random() < 0.25:
                    outcome = "Under investigation"
                row = ["" if asb else rng.bytes(32).hex(), month, FORCE, FORCE, f"{snaps['lon'][s]:.6f}",
                       f"{snaps['lat'][s]:.6f}", f"On or near {snaps['label'][s]}", town.code[k],
                       town.name[k], ctype, outcome, ""]
                if not asb and rng.random() < 0.012:
                    row[4:9] = ["", "", "No Location", "", ""]
                rows.append(row)
        rows.sort(key=lambda r: (r[8] == "", r[8], r[6], r[9], r[0]))
        months[month] = rows
    return months


_SS_GROUPS = {  # reason weights (STREETSAFE_REASONS order), reports, streets
    "nightlife": ([2, 2, 1, 1, 1, 2, 5, 1, 5, 6, 4, 3], 125, NIGHTLIFE),
    "fear": ([4, 7, 7, 3, 5, 2, 1, 2, 2, 1, 5, 1], 95, FEAR_PATH),
    "estate": ([2, 3, 2, 2, 1, 5, 4, 1, 2, 3, 1, 1], 25, ESTATE_STREETS),
}
_SS_COMMENTS = {
    "nightlife": ["Groups of men shouting at women outside the bars at closing time",
                  "Was followed from the taxi rank, nobody stopped him", "Drunk people blocking the pavement",
                  "Comments and whistling every weekend near the square", "No taxis, long dark walk home"],
    "fear": ["The underpass lights have been broken for weeks", "Nobody around on the river path after dark",
             "Bushes right up to the path, you can't see who is there", "Man hanging around the subway",
             "Park gates left open at night, no lighting at all"],
    "estate": ["Young people drinking by the shops", "Needles near the garages", "Boarded-up flats feel unsafe"],
    "other": ["Street lights out", "Felt watched walking home", "Dark alleyway between the houses"],
}


def streetsafe(town: Town, snaps: dict[str, np.ndarray], rng: np.random.Generator) -> list[list[str]]:
    """~300 reports: nightlife streets (agreeing with crime), a park/underpass path (fear where
    little crime is recorded), the estate, and a thin scatter over the rest of the town."""
    xs, ys, groups = [], [], []
    for group, (_, n, streets) in _SS_GROUPS.items():
        line_pts = np.vstack([along(STREETS[s], 10.0) for s in streets])
        pick = line_pts[rng.integers(0, len(line_pts), n)]
        xs += list(pick[:, 0] + rng.normal(0, 18, n))
        ys += list(pick[:, 1] + rng.normal(0, 18, n))
        groups += [group] * n
    urban = np.flatnonzero(~town.rural[snaps["lsoa"]])
    pick = urban[rng.integers(0, len(urban), 55)]
    xs += list(snaps["x"][pick] + rng.normal(0, 40, 55))
    ys += list(snaps["y"][pick] + rng.normal(0, 40, 55))
    groups += ["other"] * 55
    lon, lat = to_lonlat(np.asarray(xs), np.asarray(ys))
    first_day = np.datetime64(f"{YEAR}-01-01")
    rows = []
    for k, group in enumerate(groups):
        w = np.array(_SS_GROUPS[group][0] if group in _SS_GROUPS else [1] * 12, float)
        chosen = rng.choice(12, 1 + rng.binomial(2, 0.35), replace=False, p=_norm(w))
        day = int(rng.integers(0, 365))
        if group == "nightlife":  # pulled towards the Friday/Saturday of the same week
            day = min(364, day - (day + 2) % 7 + int(rng.choice([4, 5])))  # 1 Jan 2025 was a Wednesday
        comment = str(rng.choice(_SS_COMMENTS[group])) if rng.random() < 0.3 else ""
        rows.append([str(first_day + day), f"{lat[k]:.6f}", f"{lon[k]:.6f}",
                     ";".join(STREETSAFE_REASONS[i] for i in sorted(chosen)), comment])
    rows[0][4] = "<script>alert(1)</script>"  # exporters must escape HTML ...
    rows[130][4] = '=HYPERLINK("https://example.invalid","help"), the lights are out'  # ... and formulas
    order = sorted(range(len(rows)), key=lambda i: (rows[i][0], i))
    return [[str(250_001 + j)] + rows[i] for j, i in enumerate(order)]
