"""The LSOA clusters' evidence counts, grouped on categories, list what a groupby of the strings lists."""

from __future__ import annotations

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
