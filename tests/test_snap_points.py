"""Snap-point labels: police stations and prisons left out of spots (and counted), places not streets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _paths import KENT_CRIME, need_real

from hotspots.plans.snap_points import (
    excluded_crimes,
    label_kind,
    label_kinds,
    place_text,
    strip_prefix,
)


@pytest.mark.parametrize("label, kind", [
    ("On or near Police Station", "police_station"),
    ("On or near Medway Police Station", "police_station"),
    ("On or near Margate Police Station/Odell House", "police_station"),
    ("On or near West Malling Police Office", "police_station"),
    ("On or near Police Station Road", "street"),
    ("On or near Prison", "prison"),
    ("On or near Woodhill Prison", "prison"),
    ("On or near Parking Area", "place"),
    ("On or near Supermarket", "place"),
    ("On or near Shopping Area", "place"),
    ("On or near Hospital", "place"),
    ("On or near Nightclub", "place"),
    ("On or near Petrol Station", "place"),
    ("On or near Sports/Recreation Area", "place"),
    ("On or near Further/Higher Educational Building", "place"),
    ("On or near Theatre/Concert Hall", "place"),
    ("On or near Conference/Exhibition Centre", "place"),
    ("On or near Some/Other Category", "place"),  # police.uk's category style, another force's list
    ("On or near High Street", "street"),
    ("On or near Station Road", "street"),
    ("On or near Bluewater Complex", "street"),  # a named place: a patrol can find it
    ("No Location", "none"),
    ("", "none"),
    (None, "none"),
])
def test_label_kinds(label, kind):
    assert label_kind(label) == kind


def test_helpers():
    assert strip_prefix("On or near High Street") == "High Street"
    assert place_text("Parking Area") == "a parking area"
    assert place_text("Further/Higher Educational Building") == "a further or higher educational building"
    kinds = label_kinds(pd.Series(["On or near Prison", None, "On or near A2"], dtype="category"))
    assert list(kinds) == ["prison", "none", "street"]


def test_excluded_crimes_are_counted_by_kind_and_label():
    loc = (["On or near Police Station"] * 5 + ["On or near Medway Police Station"] * 3 + ["On or near Prison"] * 2
           + ["On or near High Street"] * 7 + ["On or near Parking Area"] * 4)
    crimes = pd.DataFrame({"location": pd.Categorical(loc)})
    ex = excluded_crimes(crimes)
    assert ex.total == 10
    assert ex.by_kind == {"police_station": 8, "prison": 2}
    assert ex.by_label == {"Police Station": 5, "Medway Police Station": 3, "Prison": 2}
    among = np.zeros(len(loc), bool)
    among[:4] = True
    d = ex.to_dict(among)
    assert d["excluded"] == 4


@pytest.mark.realdata
def test_kent_station_and_prison_crimes_are_found():
    need_real(KENT_CRIME)
    loc = pd.concat(pd.read_csv(f, usecols=["Location"]) for f in sorted(KENT_CRIME.glob("*.csv")))["Location"]
    kinds = label_kinds(loc.astype("category"))
    # independent: a plain substring rule on the raw labels
    raw = loc.fillna("")
    station = raw.str.contains("Police Station") & ~raw.str.endswith("Road") | raw.str.contains("Police Office")
    assert int((kinds == "police_station").sum()) == int(station.sum())
    assert int((kinds == "prison").sum()) == int(raw.str.contains("Prison").sum())
    assert int((kinds == "place").sum()) > 30_000  # Parking Area, Supermarket, ... (~37k in 2021)
