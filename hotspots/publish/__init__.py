"""Publishing safely: the disclosure rules a publication set and the internal outputs follow
(suppression by column role, the protective marking line). Rules only: the writers are in
:mod:`hotspots.export` (``public_set``, ``public_*``)."""
