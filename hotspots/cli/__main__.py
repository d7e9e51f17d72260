"""``python -m hotspots.cli``: the same as the ``hotspots`` command."""

from hotspots.cli import entry

entry()
