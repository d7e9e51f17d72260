"""Evidence for bids: rates against the force, bivariate LISA, heat maps, the cross-table, the pack.

Modules: :mod:`.rates` (population, rate per 1,000, against the force), :mod:`.bivariate`
(crime vs pubs and vs deprivation, through :mod:`hotspots.stats`), :mod:`.kde` (kernel
density surfaces), :mod:`.crosstab` (deprivation x pub concentration), :mod:`.pack` (the
Safer Streets pack's content) and :mod:`.stage` (all of it for one run). Nothing here reads
or writes files; the writers are in :mod:`hotspots.export` (``evidence_docx``, ``heat``).
"""

__all__: list[str] = []
