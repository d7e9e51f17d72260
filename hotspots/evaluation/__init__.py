"""``hotspots evaluate``: the backtest composer and what it says.

:mod:`~hotspots.evaluation.backtest` builds the patrol plans on the training months the way an analysis builds
them (through :mod:`hotspots.pipeline`) and scores them on the test months with :mod:`hotspots.plans.backtest`;
:mod:`~hotspots.evaluation.report` turns the scores into the lines the command prints. Beside the pipeline
in the layers (a composer): the plans package does the scoring and imports neither.
"""
