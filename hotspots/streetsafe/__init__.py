"""StreetSafe beyond reading: placement with accounting, the fear-vs-crime test and its stage
(:mod:`.fear_gap`), concerns.

``reasons.csv`` (the reason vocabulary, read by :mod:`hotspots.data.streetsafe_reasons`) lives
here as package data.
"""
