"""The machine under a run: giving freed memory back (:mod:`~hotspots.runtime.memory`) and saying plainly
when a run stops for reasons outside its files (:mod:`~hotspots.runtime.failures`: out of memory, a killed
export worker). The ground: imports nothing from the rest of the engine."""
