"""The backtest's verdict in one plain sentence per plan.

A table of PAI, RRI and PEI* figures does not tell an inspector whether to trust the plan. The
sentence does: how much of the study area the plan covers, how much of the later crime it
caught, how that compares with a spreadsheet sort of past crime at the same area (and it says
plainly when the plan did worse), and how close it came to the most any plan of that size could
have caught (the hindsight ceiling). When the plan left partner places out (hospital sites,
Bluewater), it says both comparisons: against the ranking of all squares, naming the partner
places that ranking keeps, and against the same ranking without them; and both again on the
crime a patrol can address. The headline plan is the patrol zones when there are any
(the plan an inspector works from), else the first plan scored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .backtest_scores import naive_at, plan_words

if TYPE_CHECKING:  # annotations only: the results call this module, so it never imports them at run time
    from .backtest_results import Backtest, RollingBacktest

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
    if name == "naive_cells_patrol":
        return f"a simple ranking of {cell_m:.0f} m squares by past crime outside the partner places"
    if name == "naive_lsoa_density":
        return "a simple ranking of LSOAs by past crime per km²"
    return f"the naive ranking '{plan_words(name).lower()}'"


def _subject(name: str, units: float, rolling: bool) -> str:
    words = plan_words(name)
    lower = words if words[1:2].isupper() else words[0].lower() + words[1:]
    if rolling or not np.isfinite(units) or units != int(units):
        return lower
    return f"{int(units)} {lower}" if int(units) != 1 else f"1 {lower.rstrip('s')}"


def _record(rb: RollingBacktest | None, naive: str, name: str, ratio: float) -> str:
    """'; ahead in 7, behind in 2 of 9 windows' (behind first when the mean ratio is below 1); "" for a split."""
    if rb is None:
        return ""
    won = lost = 0
    for w in rb.windows:
        ws = naive_at(w, naive, name) if w.has(name) else None
        if ws is None or not np.isfinite(ws.capture):
            continue
        mine = w.plan(name).own.capture
        won += bool(mine > ws.capture)
        lost += bool(mine < ws.capture)
    n = len(rb.windows)
    if won + lost == 0:
        return f"; the same in all {n} windows" if n != 1 else "; the same in the window"
    order = [("behind", lost), ("ahead", won)] if ratio < 1 else [("ahead", won), ("behind", lost)]
    return "; " + ", ".join(f"{word} in {c}" for word, c in order if c) + f" of {n} windows"


def _theirs(mine: float, theirs: float) -> str:
    """The naive capture, with the plan's beside it when they round alike."""
    if pct(theirs) != pct(mine):
        return pct(theirs)
    return f"{100 * theirs:.2f}% against {100 * mine:.2f}%"


def _against(o, s, phrase: str, record: str) -> str:  # noqa: ANN001 - Scores
    """'0.84x <phrase>', or 'less than <phrase> caught in the same area (4.2%, so 0.84x)' when it lost."""
    ratio = o.capture / s.capture
    if ratio < 1:
        return f"less than {phrase} caught in the same area ({_theirs(o.capture, s.capture)}, so {ratio:.2f}x{record})"
    return f"{ratio:.2f}x {phrase}{_paren(record)}"


def _paren(record: str) -> str:
    return f" ({record[2:]})" if record else ""


def _scored(s) -> bool:  # noqa: ANN001
    return s is not None and np.isfinite(s.capture) and s.capture > 0


def _partner_parts(bt: Backtest, name: str, rb: RollingBacktest | None) -> list[str] | None:
    """The cells comparisons when the plan left partner places out: against the ranking of all
    squares (saying which partner places it keeps), the same ranking without them, and both on
    the crime a patrol can address. None when nothing was left out (the plain comparison holds)."""
    info = bt.partners or {}
    count = info.get("count", info.get("count_mean_per_window", 0))
    if info.get("kept_in_plan") or not count or not bt.has("naive_cells_patrol"):
        return None
    o = bt.plan(name).own
    every, patrol = naive_at(bt, "naive_cells", name), naive_at(bt, "naive_cells_patrol", name)
    if not (_scored(every) and _scored(patrol)):
        return None
    from .backtest_partners import partner_phrase

    examples = partner_phrase([(str(t[0]), str(t[1])) for t in (info.get("in_naive") or {}).get(name, [])])
    sq = f"{bt.cell_m:.0f} m squares"
    first = _against(o, every, f"a ranking of all {sq} by past crime",
                     _record(rb, "naive_cells", name, o.capture / every.capture))
    if examples:
        first += f", a ranking that keeps {examples}, which the plan leaves to partners"
    parts = [first, _against(o, patrol, f"the same ranking without {'them' if examples else 'the partner places'}",
                             _record(rb, "naive_cells_patrol", name, o.capture / patrol.capture))]
    a = bt.addressable
    if a is not None and a.has(name):
        ao = a.plan(name).own
        a1, a2 = naive_at(a, "naive_cells", name), naive_at(a, "naive_cells_patrol", name)
        if np.isfinite(ao.capture) and _scored(a1) and _scored(a2):
            ra = rb.addressable() if rb is not None else None
            r1, r2 = ao.capture / a1.capture, ao.capture / a2.capture
            parts.append(f"on the crime a patrol can address (outside the partner places) it caught {pct(ao.capture)}, "
                         f"{r1:.2f}x the ranking of all squares{_paren(_record(ra, 'naive_cells', name, r1))} "
                         f"and {r2:.2f}x the one without partner places"
                         f"{_paren(_record(ra, 'naive_cells_patrol', name, r2))}")
    return parts


def _sentence(bt: Backtest, name: str, rb: RollingBacktest | None = None) -> str:
    p = bt.plan(name)
    o = p.own
    rolling = rb is not None
    if not (o.area_km2 > 0) or not np.isfinite(o.capture):
        when = "in any window" if rolling else "on the training months"
        return f"No {plan_words(name).lower()} were built {when}, so there is nothing to score."
    partner = _partner_parts(bt, name, rb)
    parts = list(partner or [])
    for n in sorted(bt.baselines, key=lambda n: (n != "naive_cells", n)):
        if n == "naive_cells_patrol" or (partner is not None and n == "naive_cells"):
            continue  # said above, or the same ranking as the naive cells (nothing left out)
        s = naive_at(bt, n, name)
        if not _scored(s):
            continue
        ratio = o.capture / s.capture
        if ratio >= 1 and not (n == "naive_cells" or rolling):
            continue
        parts.append(_against(o, s, _naive_phrase(n, bt.cell_m), _record(rb, n, name, ratio)))
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
    return head + (" — " + "; ".join(parts) if parts else "") + "."


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

