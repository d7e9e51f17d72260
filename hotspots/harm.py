"""Harm weights per police.uk category, after the Cambridge Crime Harm Index.

The Cambridge Crime Harm Index (CCHI; Sherman, Neyroud and Neyroud 2016, *Policing* 10(3))
weighs each offence by the days of imprisonment that the England and Wales sentencing
guidelines give a first offender as the starting point. Police.uk publishes only 14 broad
categories, not offences, so a category weight is necessarily an average over the offences
it holds. The defaults below are indicative category-level values in CCHI days, set from the
starting points of the offences that make up most of each category in recorded crime
(for example most "Violence and sexual offences" are common assault, ABH and stalking or
harassment, with a heavy tail of rape and GBH). They rank places sensibly (a robbery weighs
far more than a shoplifting), but a force with offence-level data should override them
with its own CCHI category means via a CSV (``category,weight``).

Anti-social behaviour is not a crime and has no CCHI value; it weighs 0 by default, so a
"harm" analysis is a crime-harm analysis. Give it a weight in the CSV to include it.
"""

from __future__ import annotations

from .categories import CATEGORIES

__all__ = ["DEFAULT_HARM_WEIGHTS", "HARM_SOURCE"]

HARM_SOURCE = (
    "Indicative category means in days of imprisonment after the Cambridge Crime Harm Index "
    "(Sherman, Neyroud & Neyroud 2016); ASB = 0 (not a crime). Override with a CSV of category,weight."
)

DEFAULT_HARM_WEIGHTS: dict[str, float] = {
    "Anti-social behaviour": 0.0,
    "Bicycle theft": 5.0,
    "Burglary": 40.0,
    "Criminal damage and arson": 10.0,
    "Drugs": 20.0,
    "Other crime": 20.0,
    "Other theft": 5.0,
    "Possession of weapons": 90.0,
    "Public order": 10.0,
    "Robbery": 365.0,
    "Shoplifting": 2.0,
    "Theft from the person": 20.0,
    "Vehicle crime": 10.0,
    "Violence and sexual offences": 70.0,
}
assert set(DEFAULT_HARM_WEIGHTS) == set(CATEGORIES)

