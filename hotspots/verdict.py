"""The backtest's verdict in one plain sentence per plan.

A table of PAI, RRI and PEI* figures does not tell an inspector whether to trust the plan. The
sentence does: how much of the study area the plan covers, how much of the later crime it
caught, how that compares with a spreadsheet sort of past crime at the same area (and it says
plainly when the plan did worse), and how close it came to the most any plan of that size could
have caught (the hindsight ceiling). The headline plan is the patrol zones when there are any
(the plan an inspector works from), else the first plan scored.
"""

from __future__ import annotations

import numpy as np

from .backtest import Backtest, RollingBacktest, naive_at, plan_words

__all__ = ["verdict", "verdicts", "rolling_verdict", "rolling_verdicts", "pct", "HEADLINE"]

#: the plan the one-sentence verdict is about, first present wins
HEADLINE = ("patrol_zones", "lsoa_zones", "patrol_spots")


def pct(x: float | None) -> str:
    """A share as a percentage with the digits it needs (45%, 4.0%, 0.79%, 0.013%)."""
    if x is None or not np.isfinite(x):
        return "n/a"
    v = 100 * float(x)
    if v >= 10 or v == 0:
        return f"{v:.0f}%"
    if v >= 1:
        return f"{v:.1f}%"
    if v >= 0.1:
        return f"{v:.2f}%"
    return f"{v:.2g}%" if v < 0.001 else f"{v:.3f}%"


def _month_index(m: str | None) -> int | None:
    if not m:
        return None
    y, mm = m.split("-")
    return int(y) * 12 + int(mm) - 1


def _period(bt: Backtest) -> str:
    """'the next quarter's crime', 'the next month's crime', 'the test months' crime'."""
    a, b = _month_index(bt.test_months[0]), _month_index(bt.test_months[1])
    t = _month_index(bt.train_months[1])
    if a is None or b is None:
        return "the test months' crime"
    n = b - a + 1
    nxt = "next" if t is not None and a == t + 1 else "later"
    if n == 1:
        return f"the {nxt} month's crime"
    if n == 3:
        return f"the {nxt} quarter's crime"
    if n == 12:
        return f"the {nxt} year's crime"
    return f"the {nxt} {n} months' crime"


def _naive_phrase(name: str, cell_m: float) -> str:
    if name == "naive_cells":
        return f"a simple ranking of {cell_m:.0f} m squares by past crime"
    if name == "naive_lsoa_density":
        return "a simple ranking of LSOAs by past crime per km²"
    return f"the naive ranking '{plan_words(name).lower()}'"


def _subject(name: str, units: float, rolling: bool) -> str:
    words = plan_words(name)
    lower = words if words[1:2].isupper() else words[0].lower() + words[1:]
    if rolling or not np.isfinite(units) or units != int(units):
        return lower
    return f"{int(units)} {lower}" if int(units) != 1 else f"1 {lower.rstrip('s')}"


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _sentence(bt: Backtest, name: str, rb: RollingBacktest | None = None) -> str:
    p = bt.plan(name)
    o = p.own
    rolling = rb is not None
    if not (o.area_km2 > 0) or not np.isfinite(o.capture):
        when = "in any window" if rolling else "on the training months"
        return f"No {plan_words(name).lower()} were built {when}, so there is nothing to score."
    naive = sorted(bt.baselines, key=lambda n: (n != "naive_cells", n))
    parts = []
    for n in naive:
        s = naive_at(bt, n, name)
        if s is None or not np.isfinite(s.capture) or s.capture <= 0:
            continue
        ratio = o.capture / s.capture
        record = ""
        if rb is not None:
            won = lost = 0
            for w in rb.windows:
                ws = naive_at(w, n, name) if w.has(name) else None
                if ws is None or not np.isfinite(ws.capture):
                    continue
                mine = w.plan(name).own.capture
                won += bool(mine > ws.capture)
                lost += bool(mine < ws.capture)
            record = (f"; behind in {lost} of {len(rb.windows)} windows" if ratio < 1
                      else f"; ahead in {won} of {len(rb.windows)} windows")
        phrase = _naive_phrase(n, bt.cell_m)
        if ratio >= 1:
            if n == "naive_cells" or rolling:
                parts.append(f"{ratio:.2f}x {phrase}" + (f" ({record[2:]})" if record else ""))
        else:
            theirs = pct(s.capture) if pct(s.capture) != pct(o.capture) else f"{100 * s.capture:.2f}%"
            mine = "" if pct(s.capture) != pct(o.capture) else f" against {100 * o.capture:.2f}%"
            parts.append(f"less than {phrase} caught in the same area ({theirs}{mine}, so {ratio:.2f}x{record})")
    if np.isfinite(o.pei):
        parts.append(f"{pct(o.pei)} of the most any plan that size could have caught")
    avg = " on average" if rolling else ""
    period = "each month's crime" if rolling else _period(bt)
    head = (f"{_subject(name, o.units, rolling)} covering{avg} {pct(o.area_share)} of the study area caught "
            f"{pct(o.capture)} of {period}")
    if rb is not None:
        head = (f"Over {len(rb.windows)} windows (each month from {bt.test_months[0]} to {bt.test_months[1]} "
                f"predicted from the {rb.k} month{'s' if rb.k != 1 else ''} before it), {head}")
    else:
        head = head[0].upper() + head[1:]
    return head + (" — " + _join(parts) if parts else "") + "."


def _headline(bt: Backtest) -> str | None:
    scored = [p.name for p in bt.plans if p.name not in bt.baselines]
    for name in HEADLINE:
        if name in scored:
            return name
    return scored[0] if scored else None


def verdicts(bt: Backtest) -> dict[str, str]:
    """One sentence per plan (the naive rankings are what the plans are measured against)."""
    return {p.name: _sentence(bt, p.name) for p in bt.plans if p.name not in bt.baselines}


def verdict(bt: Backtest) -> str:
    """The headline sentence: the patrol zones' (or the first plan's) verdict."""
    name = _headline(bt)
    return _sentence(bt, name) if name else "No plan was scored."


def rolling_verdicts(rb: RollingBacktest) -> dict[str, str]:
    return {p.name: _sentence(rb.mean, p.name, rb) for p in rb.mean.plans if p.name not in rb.mean.baselines}


def rolling_verdict(rb: RollingBacktest) -> str:
    name = _headline(rb.mean)
    return _sentence(rb.mean, name, rb) if name else "No plan was scored."

