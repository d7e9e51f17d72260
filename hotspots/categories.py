"""The 14 police.uk street-crime categories, their URL slugs, and analyst presets.

Users type categories both ways ("Violence and sexual offences" from the CSVs, "violent-crime"
from the police.uk API), so both resolve here, case-insensitively, and a typo is an error
that lists the valid names rather than an empty result.
"""

from __future__ import annotations

from collections.abc import Iterable

from .data.errors import DataError

__all__ = ["CATEGORIES", "PRESETS", "resolve_crime_types"]

#: police.uk category name -> police.uk API slug
CATEGORIES: dict[str, str] = {
    "Anti-social behaviour": "anti-social-behaviour",
    "Bicycle theft": "bicycle-theft",
    "Burglary": "burglary",
    "Criminal damage and arson": "criminal-damage-arson",
    "Drugs": "drugs",
    "Other crime": "other-crime",
    "Other theft": "other-theft",
    "Possession of weapons": "possession-of-weapons",
    "Public order": "public-order",
    "Robbery": "robbery",
    "Shoplifting": "shoplifting",
    "Theft from the person": "theft-from-the-person",
    "Vehicle crime": "vehicle-crime",
    "Violence and sexual offences": "violent-crime",
}

#: Named selections analysts ask for. "Night-time economy" follows the offences that rise
#: around licensed premises at night (violence, public order, theft from the person,
#: criminal damage, drugs); VAWG work starts from violence and sexual offences plus public
#: order (which holds most harassment offences) and theft from the person.
PRESETS: dict[str, tuple[str, ...]] = {
    "All crime and ASB": tuple(CATEGORIES),
    "All crime (no ASB)": tuple(c for c in CATEGORIES if c != "Anti-social behaviour"),
    "Violence and sexual offences": ("Violence and sexual offences",),
    "Night-time economy": ("Violence and sexual offences", "Public order", "Theft from the person",
                           "Criminal damage and arson", "Drugs"),
    "VAWG-related (public space)": ("Violence and sexual offences", "Public order", "Theft from the person",
                                    "Robbery"),
    "Neighbourhood crime": ("Burglary", "Robbery", "Theft from the person", "Vehicle crime"),
    "Anti-social behaviour": ("Anti-social behaviour",),
}

_LOOKUP: dict[str, str] = {}
for _name, _slug in CATEGORIES.items():
    for key in (_name, _slug, _slug.replace("-", " ")):
        _LOOKUP[key.lower().strip()] = _name
_LOOKUP["violence and sexual offences"] = "Violence and sexual offences"
_LOOKUP["asb"] = "Anti-social behaviour"
_LOOKUP["criminal damage & arson"] = "Criminal damage and arson"


def resolve_crime_types(values: Iterable[str] | None, source: str = "--crime-type") -> list[str] | None:
    """Canonical category names for user input, or None for "all types".

    Raises
    ------
    DataError
        For a name that is neither a police.uk category nor its slug.
    """
    if not values:
        return None
    out: list[str] = []
    for raw in values:
        key = str(raw).lower().strip()
        if key in _LOOKUP:
            name = _LOOKUP[key]
        else:
            preset = next((p for p in PRESETS if p.lower() == key), None)
            if preset is None:
                valid = "; ".join(f"{n} ({s})" for n, s in CATEGORIES.items())
                raise DataError(source, f"unknown crime type '{raw}'",
                                hint=f"use a police.uk category or its slug: {valid}")
            out.extend(c for c in PRESETS[preset] if c not in out)
            continue
        if name not in out:
            out.append(name)
    return out
