"""``python -m hotspots.demo --out DIR --seed N``: write the synthetic Demoton study."""

from hotspots.demo import main

raise SystemExit(main())
