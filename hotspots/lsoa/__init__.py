"""The per-LSOA stages: the counts table (:mod:`.table`), each LSOA's district (:mod:`.districts`)
and how its deprivation values crossed the 2011-2021 lookup (:mod:`.vintage`)."""
