"""LoadReport: what a reader read, kept and dropped, and why.

Nothing is silently lost: every row a reader drops is counted under a reason, and the
counts always add up (``rows_read == rows_kept + sum(dropped.values())``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["LoadReport"]


@dataclass
class LoadReport:
    """Row accounting for one input layer."""

    source: str
    kind: str
    files: list[str] = field(default_factory=list)
    rows_read: int = 0
    rows_kept: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def for_path(cls, path: str | Path, kind: str) -> LoadReport:
        return cls(source=str(path), kind=kind)

    def drop(self, reason: str, count: int) -> None:
        """Record ``count`` rows dropped for ``reason`` (zero counts are ignored)."""
        count = int(count)
        if count:
            self.dropped[reason] = self.dropped.get(reason, 0) + count

    def warn(self, text: str) -> None:
        if text not in self.warnings:
            self.warnings.append(text)

    @property
    def rows_dropped(self) -> int:
        return sum(self.dropped.values())

    def check_balance(self) -> None:
        """Assert the accounting identity; a reader bug, not a user error, if it fails."""
        if self.rows_read != self.rows_kept + self.rows_dropped:
            raise AssertionError(
                f"{self.source}: read {self.rows_read} != kept {self.rows_kept} + "
                f"dropped {self.rows_dropped} {self.dropped}"
            )

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["rows_dropped"] = self.rows_dropped
        return d

    def summary_line(self) -> str:
        """One human line, e.g. for the CLI's progress output or a GUI layer tooltip."""
        text = f"{self.kind}: read {self.rows_read:,}, kept {self.rows_kept:,}"
        if self.dropped:
            parts = ", ".join(f"{v:,} {k}" for k, v in sorted(self.dropped.items()))
            text += f", dropped {parts}"
        return text
