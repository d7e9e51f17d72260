"""Demoton's plan: the fixed numbers, formats and places every part of the demo shares.

Kept apart from the code that draws the town and its events so the planted patterns (where
the night-time economy, the estate and the feared park path are, how many crimes of each
type a year) can be read and tuned in one place. Places are in metres from the town centre,
which sits at (:data:`X0`, :data:`Y0`) in British National Grid.
"""

from __future__ import annotations

__all__ = ["X0", "Y0", "FORCE", "YEAR", "POLICE_UK_COLUMNS", "CRIME_TYPES", "OUTCOMES", "STREETSAFE_REASONS",
           "NTE", "ESTATE", "PARK", "STREETS", "NIGHTLIFE", "FEAR_PATH", "ESTATE_STREETS", "LANDMARKS",
           "OTHER_PLACES", "PUB_NAMES"]

X0, Y0 = 405_000.0, 150_000.0  # BNG metres: open land on Salisbury Plain, Wiltshire
FORCE = "Demoton Constabulary"
YEAR = 2025
POLICE_UK_COLUMNS = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude",
                     "Location", "LSOA code", "LSOA name", "Crime type", "Last outcome category",
                     "Context"]
# police.uk category: (rows a year, share in the night-time-economy centre, share on the estate).
# Totals follow Kent's 2021 mix (violence ~40 %, ASB ~19 %, ...); the shares plant the clusters.
CRIME_TYPES: dict[str, tuple[int, float, float]] = {
    "Violence and sexual offences": (4150, 0.30, 0.09),
    "Anti-social behaviour": (1970, 0.22, 0.13),
    "Criminal damage and arson": (980, 0.10, 0.15),
    "Public order": (700, 0.40, 0.06),
    "Other theft": (580, 0.28, 0.04),
    "Shoplifting": (470, 0.45, 0.07),
    "Vehicle crime": (400, 0.06, 0.09),
    "Burglary": (310, 0.04, 0.12),
    "Other crime": (280, 0.12, 0.08),
    "Drugs": (215, 0.30, 0.18),
    "Possession of weapons": (65, 0.30, 0.15),
    "Robbery": (60, 0.35, 0.10),
    "Bicycle theft": (56, 0.30, 0.04),
    "Theft from the person": (52, 0.60, 0.03),
}
OUTCOMES = {"Unable to prosecute suspect": 40, "Investigation complete; no suspect identified": 27,
            "Under investigation": 6, "Status update unavailable": 5, "Court result unavailable": 5,
            "Awaiting court outcome": 4, "Local resolution": 3, "Offender given a caution": 3,
            "Action to be taken by another organisation": 3,
            "Further investigation is not in the public interest": 2,
            "Formal action is not in the public interest": 1, "Offender given penalty notice": 1}
STREETSAFE_REASONS = ["No CCTV", "Badly lit", "Empty or isolated", "Poor layout", "Restricted visibility",
                      "Rundown area", "Drugs or alcohol", "Other (environmental)", "Harassed by one person",
                      "Harassed by a group", "Being followed", "Other harassment"]

# --- the town plan, in metres from the centre --------------------------------------------------
NTE, ESTATE, PARK = (0.0, 0.0), (2600.0, -2100.0), (-1550.0, 600.0)
STREETS: dict[str, list[tuple[float, float]]] = {
    # night-time economy
    "High Street": [(-650, -20), (-300, 0), (0, 0), (350, 30), (700, 80)],
    "Market Square": [(-60, -50), (60, -50), (60, 50), (-60, 50), (-60, -50)],
    "Castle Street": [(-250, 0), (-280, 250), (-330, 520)],
    "Church Street": [(250, 25), (300, 260), (380, 480)],
    "Bridge Street": [(40, 0), (60, -260), (90, -520)],
    "King Street": [(-180, 0), (-200, -230), (-240, -460)],
    "Wharf Street": [(-420, -300), (-150, -300), (200, -320), (480, -330)],
    "Queen Street": [(150, 30), (160, 300)],
    "Silver Street": [(-450, -10), (-470, 260)],
    "Station Road": [(-650, -20), (-900, 120), (-1150, 250)],
    # station, riverside path and park: feared, little recorded crime
    "Station Approach": [(-1150, 250), (-1260, 330)],
    "Riverside Walk": [(-1260, 330), (-1500, 500), (-1800, 650), (-2100, 720)],
    "Park Lane": [(-1300, 850), (-1750, 950)],
    # the estate
    "Moorfield Road": [(2150, -2100), (2600, -2080), (3050, -2150)],
    "Kestrel Parade": [(2520, -1960), (2720, -1950)],
    "Heron Way": [(2480, -2450), (2560, -1780)],
    "Falcon Close": [(2760, -2350), (2880, -1880)],
}
NIGHTLIFE = ["High Street", "Market Square", "Castle Street", "Church Street", "Bridge Street",
             "King Street", "Wharf Street", "Queen Street", "Silver Street"]
FEAR_PATH = ["Station Approach", "Riverside Walk", "Park Lane"]
ESTATE_STREETS = ["Moorfield Road", "Kestrel Parade", "Heron Way", "Falcon Close"]
LANDMARKS = {"Nightclub": (90, -250), "Shopping Area": (-100, 120), "Parking Area": (300, -150),
             "Theatre/Concert Hall": (200, 150), "Bus/Coach Station": (-520, 120),
             "Pedestrian Subway": (-1190, 285), "Park/Open Space": (-1650, 760),
             "Supermarket": (2640, -1900), "Sports/Recreation Area": (-2000, 900)}
OTHER_PLACES = {"Parking Area": 5, "Supermarket": 3, "Petrol Station": 2, "Sports/Recreation Area": 3,
                "Shopping Area": 2, "Park/Open Space": 3, "Further/Higher Educational Building": 1,
                "Hospital": 0.3}
PUB_NAMES = ["Red Lion", "Crown", "Royal Oak", "White Hart", "Swan", "Plough", "Bell", "Kings Arms",
             "Queens Head", "Rose and Crown", "Wheatsheaf", "George", "Black Horse", "White Horse",
             "Fox and Hounds", "Star", "Coach and Horses", "Three Horseshoes", "Nags Head",
             "New Inn", "Green Man", "Cross Keys", "Prince of Wales", "Golden Lion", "Bull", "Angel",
             "Globe", "Feathers", "Woolpack", "Old Bell", "Castle Tap", "Market Vaults", "Wharf Inn",
             "Brewers Arms", "Saracens Head", "Half Moon", "Railway Tavern", "Vaults Bar", "Lamb",
             "Eagle", "Mitre", "Duke of York"]
