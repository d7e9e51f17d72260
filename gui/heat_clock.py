"""The heat clock: a 7x24 grid of a spot's or zone's crimes by day and hour (Monday first).

Drawn with QPainter from the profile the engine computed (:mod:`hotspots.when`); the same
white-to-dark-red ramp as the map popups (:func:`hotspots.when.clock.shade`), so the panel,
the popup and the briefing read alike. Hovering a cell says the day, hour and share.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from hotspots.when.clock import shade
from hotspots.when.windows import DAYS

__all__ = ["HeatClock"]

_LEFT = 30
_TOP = 14


class HeatClock(QWidget):
    """Shows one 168-value profile; hidden-looking ("no times") when given None."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._profile: np.ndarray | None = None
        self._title = ""
        self.setMouseTracking(True)
        self.setMinimumSize(QSize(_LEFT + 24 * 6, _TOP + 7 * 9 + 4))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Heat clock: crimes by day of the week and hour")

    # -- data -------------------------------------------------------------------------------
    def set_profile(self, profile: np.ndarray | list[float] | None, title: str = "") -> None:
        p = None if profile is None else np.asarray(profile, float)
        if p is not None and (p.shape != (168,) or not np.isfinite(p).all()):
            p = None
        self._profile = p
        self._title = title
        self.setToolTip(title)
        self.update()

    def profile(self) -> np.ndarray | None:
        return None if self._profile is None else self._profile.copy()

    def value_at(self, day: int, hour: int) -> float:
        """The profile's value on ``day`` (0 = Monday) at ``hour``."""
        return 0.0 if self._profile is None else float(self._profile[day * 24 + hour])

    def peak(self) -> tuple[int, int] | None:
        """(day, hour) of the busiest cell, or None without a profile."""
        if self._profile is None or self._profile.sum() <= 0:
            return None
        h = int(np.argmax(self._profile))
        return h // 24, h % 24

    def cell_colour(self, day: int, hour: int) -> QColor:
        top = float(self._profile.max()) if self._profile is not None and self._profile.max() > 0 else 1.0
        return QColor(shade(self.value_at(day, hour) / top))

    # -- drawing ----------------------------------------------------------------------------
    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(_LEFT + 24 * 10, _TOP + 7 * 12 + 4)

    def _cell(self) -> tuple[float, float]:
        w = max(2.0, (self.width() - _LEFT - 2) / 24)
        h = max(2.0, min(14.0, (self.height() - _TOP - 2) / 7))
        return w, h

    def cell_rect(self, day: int, hour: int) -> QRectF:
        w, h = self._cell()
        return QRectF(_LEFT + hour * w, _TOP + day * h, w, h)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        p.setPen(QPen(self.palette().text().color()))
        font = p.font()
        font.setPointSizeF(7.5)
        p.setFont(font)
        w, h = self._cell()
        for hour in (0, 6, 12, 18):
            p.drawText(QRectF(_LEFT + hour * w, 0, 6 * w, _TOP), Qt.AlignmentFlag.AlignLeft, f"{hour:02d}")
        for day in range(7):
            p.drawText(QRectF(0, _TOP + day * h, _LEFT - 3, h),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, DAYS[day])
        if self._profile is None:
            p.drawText(QRectF(_LEFT, _TOP, 24 * w, 7 * h), Qt.AlignmentFlag.AlignCenter,
                       "No times: police.uk gives the month only")
            p.end()
            return
        p.setPen(Qt.PenStyle.NoPen)
        for day in range(7):
            for hour in range(24):
                p.fillRect(self.cell_rect(day, hour), self.cell_colour(day, hour))
        p.setPen(QPen(QColor("#999999")))
        p.drawRect(QRectF(_LEFT, _TOP, 24 * w, 7 * h))
        p.end()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        if self._profile is None:
            return
        w, h = self._cell()
        pos = event.position()
        hour = int((pos.x() - _LEFT) // w)
        day = int((pos.y() - _TOP) // h)
        if 0 <= hour < 24 and 0 <= day < 7:
            total = float(self._profile.sum())
            share = self.value_at(day, hour) / total if total > 0 else 0.0
            QToolTip.showText(event.globalPosition().toPoint(), f"{DAYS[day]} {hour:02d}:00-{(hour + 1) % 24:02d}:00: "
                              f"{share:.1%} of {self._title or 'the crimes'}", self)


def show_when(clock: HeatClock, label: QWidget, when: object, kind: str, key: object) -> None:
    """Put the profile of spot/zone ``key`` from a :class:`hotspots.when.stage.WhenResult` (or
    None: police.uk data) on ``clock`` and its patrol windows in ``label`` (a QLabel)."""
    if when is None:
        clock.set_profile(None)
        label.setText("<i>When to patrol: load the force's own records extract for days and hours.</i>")
        return
    profiles = when.spots if kind == "spot" else when.zones  # type: ignore[attr-defined]
    prof = profiles.get(key)
    texts = when.spot_texts(key) if kind == "spot" else when.zone_texts(key)  # type: ignore[attr-defined]
    clock.set_profile(prof, f"this {kind}'s crimes")
    from html import escape

    label.setText("<b>When to patrol:</b> " + (escape("; ".join(texts)) if texts else "too few timed crimes here"))
