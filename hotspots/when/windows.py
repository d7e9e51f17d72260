"""Patrol windows: the two or three best few-hour windows of a 7x24 profile, in words.

A window is a clock-time range on one or more days ("Fri-Sat 22:00-02:00": Friday and
Saturday nights), because patrol plans are written that way (West Midlands: Wednesday to
Saturday 3-10 pm). Found greedily, so the first window is the best one:

1. the ``hours``-long run of the week (circular: Sunday night runs into Monday) holding the
   most of what is left of the profile;
2. the same clock hours on every other day holding at least ``day_share`` of that run join
   the window (a Friday-night place usually has a Saturday night too);
3. edge hours holding less than a quarter of the window's mean hour are trimmed;
4. its hours are taken out and the next window is sought, up to ``max_windows``, while a
   window still holds ``min_share`` of the whole profile.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .aoristic import HOURS

__all__ = ["Window", "best_windows", "DAYS", "day_label", "hour_label", "dosage_text"]

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class Window:
    """Start days (0 = Monday), start hour, length in hours, share of the profile's total."""

    days: tuple[int, ...]
    start: int
    hours: int
    share: float

    def bins(self) -> list[int]:
        """The hour-of-week bins the window covers."""
        return [(d * 24 + self.start + k) % HOURS for d in self.days for k in range(self.hours)]

    def label(self) -> str:
        end = (self.start + self.hours) % 24
        return f"{day_label(self.days)} {self.start:02d}:00-{end:02d}:00"

    def text(self, of: str = "this spot's crimes") -> str:
        return f"{self.label()} ({round(100 * self.share)}% of {of})"


def hour_label(h: int) -> str:
    """Hour of the week as 'Fri 22:00'."""
    return f"{DAYS[(h // 24) % 7]} {h % 24:02d}:00"


def day_label(days: tuple[int, ...]) -> str:
    """(4, 5) -> 'Fri-Sat'; (0..4) -> 'Mon-Fri'; (6, 0) -> 'Sun-Mon'; (0, 2) -> 'Mon, Wed'."""
    ds = sorted(set(days))
    if len(ds) == 7:
        return "Every day"
    runs: list[list[int]] = []
    for d in ds:
        if runs and d == runs[-1][-1] + 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    if len(runs) > 1 and runs[0][0] == 0 and runs[-1][-1] == 6:  # Sunday runs into Monday
        runs[0] = runs.pop() + runs[0]
    parts = [DAYS[r[0]] if len(r) == 1 else f"{DAYS[r[0]]}-{DAYS[r[-1]]}" for r in runs]
    return ", ".join(parts)


def best_windows(profile: np.ndarray, *, hours: int = 4, max_windows: int = 3, min_share: float = 0.05,
                 day_share: float = 0.5) -> list[Window]:
    """The best windows of ``profile`` (168 values, Monday 00:00 first), best first."""
    p = np.asarray(profile, float).copy()
    if p.shape != (HOURS,):
        raise ValueError("a profile has 168 hours")
    total = float(p.sum())
    out: list[Window] = []
    if total <= 0:
        return out
    idx = (np.arange(HOURS)[:, None] + np.arange(hours)[None, :]) % HOURS
    for _ in range(max_windows):
        sums = p[idx].sum(axis=1)
        b = int(np.argmax(sums))
        if sums[b] <= 0 or sums[b] / total < min_share:
            break
        h0 = b % 24
        days = tuple(d for d in range(7) if sums[d * 24 + h0] >= day_share * sums[b] and sums[d * 24 + h0] > 0)
        start, length = h0, hours
        per_hour = np.array([sum(p[(d * 24 + h0 + k) % HOURS] for d in days) for k in range(hours)])
        lo, hi = 0, hours
        floor = 0.25 * per_hour.sum() / hours
        while hi - lo > 1 and per_hour[lo] < floor:
            lo += 1
        while hi - lo > 1 and per_hour[hi - 1] < floor:
            hi -= 1
        start, length = (h0 + lo) % 24, hi - lo
        w = Window(days=days, start=start, hours=length, share=0.0)
        bins = w.bins()
        share = float(p[bins].sum()) / total
        if share < min_share:
            break
        out.append(Window(days=days, start=start, hours=length, share=share))
        p[bins] = 0.0
    return sorted(out, key=lambda w: -w.share)


def dosage_text(windows: list[Window], of: str = "this spot's crimes") -> str:
    """The spot card's dosage line, with the hours taken from the force's own records."""
    base = "Visit for about 15 minutes (Koper 1995), at least twice a day"
    if not windows:
        return base + ", at varying times (too few timed crimes here to choose the hours)."
    return (base + ", within " + "; ".join(w.text(of) for w in windows)
            + ". Hours from the force's own records (aoristic: each crime spread over its from-to times).")
