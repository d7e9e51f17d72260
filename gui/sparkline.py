"""A sparkline cell for the LSOA table: the LSOA's crimes month by month, drawn in the cell.

Tufte's word-sized graphic: enough to see a rise, a fall or one odd month without opening a
chart. The line is scaled to the LSOA's own range (the shape, not the level, is the point;
the level is in the Crimes column), with the last month dotted. Data come from the model's
``SERIES_ROLE``; sorting uses the column's own values (Sen's slope).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QStyle, QStyledItemDelegate

__all__ = ["SparklineDelegate", "SERIES_ROLE"]

SERIES_ROLE = Qt.ItemDataRole.UserRole + 2


class SparklineDelegate(QStyledItemDelegate):
    """Paints ``index.data(SERIES_ROLE)`` (a sequence of numbers) as a line in the cell."""

    def paint(self, painter: QPainter, option: Any, index: Any) -> None:  # noqa: D102
        super().paint(painter, option, index)
        series = index.data(SERIES_ROLE)
        if series is None or len(series) < 2:
            return
        y = np.asarray(series, dtype=float)
        r = option.rect.adjusted(4, 3, -6, -3)
        lo, hi = float(np.min(y)), float(np.max(y))
        span = hi - lo if hi > lo else 1.0
        xs = np.linspace(r.left(), r.right(), len(y))
        ys = r.bottom() - (y - lo) / span * r.height()
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        colour = QColor("#ffffff") if selected else QColor("#b2182b")
        painter.setPen(QPen(colour, 1.3))
        painter.drawPolyline(QPolygonF([QPointF(float(a), float(b)) for a, b in zip(xs, ys, strict=True)]))
        painter.setBrush(colour)
        painter.drawEllipse(QPointF(float(xs[-1]), float(ys[-1])), 2.0, 2.0)
        painter.restore()
