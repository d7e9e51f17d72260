"""The LSOA clusters' evidence counts, grouped on categories, list what a groupby of the strings lists."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from hotspots.plans.zones import _sorted_cat, _streets


def test_category_groups_equal_string_groups():
    rng = np.random.default_rng(3)
    n = 4000
    names = ["On or near High Street", "High Street", "  On or near  Mill Lane ", "Bluewater Complex", "Zeta Road",
             "On or near Zeta Road", "Ávila Close", None]
    loc = pd.Series(pd.Categorical(rng.choice(np.array(names, dtype=object), n)))
    months = pd.Series(pd.Categorical(rng.choice(["2021-03", "2020-12", "2021-01"], n),
                                      categories=["2021-03", "2020-12", "2021-01"]))
    zone = rng.integers(0, 5, n)
    plain = loc.astype(object).map(lambda v: "" if v is None or v != v else
                                   pd.Series([v]).str.replace(r"^\s*On or near\s+", "", regex=True).str.strip()[0])
    got = _streets(loc)
    assert list(np.asarray(got, dtype=object)) == plain.tolist()
    for col, cat in (("street", got), ("month", _sorted_cat(months))):
        want = pd.DataFrame({"z": zone, "v": plain.to_numpy() if col == "street" else months.to_numpy(dtype=object)})
        mine = pd.DataFrame({"z": zone, "v": cat})
        a = want.groupby(["z", "v"], sort=True, observed=True).size()
        b = mine.groupby(["z", "v"], sort=True, observed=True).size()
        assert [(z, str(v), int(c)) for (z, v), c in a.items()] == [(z, str(v), int(c)) for (z, v), c in b.items()]


def _plain_groups(crimes: pd.DataFrame, zone_of: np.ndarray, crime_types) -> dict:
    """The evidence counts as first written: strings per crime, a pandas groupby, a MultiIndex .get per zone."""
    mask = crimes["crime_type"].isin(crime_types).to_numpy() if crime_types else np.ones(len(crimes), bool)
    zone = zone_of[crimes["lsoa"].to_numpy()]
    keep = mask & (zone >= 0)
    sub = crimes.loc[keep]
    street = sub["location"].astype(object).map(
        lambda v: "" if v is None or v != v else re.sub(r"^\s*On or near\s+", "", str(v)).strip())
    frame = pd.DataFrame({"zone": zone[keep], "street": street.to_numpy(), "crime_type": sub["crime_type"].to_numpy(),
                          "month": sub["month"].to_numpy()})
    out = {}
    for col in ("street", "crime_type", "month"):
        f = frame if col != "street" else frame[frame["street"] != ""]
        size = f.groupby(["zone", col], sort=True).size()
        out[col] = {int(z): [(str(k), int(v)) for k, v in size.get(z, pd.Series(dtype=int)).items()]
                    for z in np.unique(size.index.get_level_values(0))}
    return out


def test_crime_groups_equal_the_pandas_string_groupby():
    from types import SimpleNamespace

    from hotspots.plans.zones import _crime_groups

    rng = np.random.default_rng(8)
    n = 5000
    names = ["On or near High Street", "High Street", "On or near  Mill Lane ", "Bluewater Complex", "Zeta Road",
             "On or near Zeta Road", "Ávila Close", "On or near ", None]
    crimes = pd.DataFrame({
        "location": pd.Categorical(rng.choice(np.array(names, dtype=object), n)),
        "crime_type": pd.Categorical(rng.choice(["Shoplifting", "Burglary", "Anti-social behaviour"], n)),
        "month": pd.Categorical(rng.choice(["2021-03", "2020-12", "2021-01"], n),
                                categories=["2021-03", "2020-12", "2021-01"]),
        "lsoa": rng.integers(0, 30, n)})
    zone_of = np.where(rng.random(30) < 0.6, rng.integers(1, 6, 30), -1)
    for types in (None, ["Burglary", "Shoplifting"]):
        s = SimpleNamespace(crime_types=types, month_from=None, month_to=None)
        got = _crime_groups(SimpleNamespace(crimes=crimes), s, zone_of)
        got = {c: {z: [(str(k), int(v)) for k, v in pairs] for z, pairs in d.items()} for c, d in got.items()}
        assert got == _plain_groups(crimes, zone_of, types)
        assert len(got["street"]) >= 4 and all(p for p in got["month"].values())
