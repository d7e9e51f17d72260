"""Recent studies and the last folder used, remembered between sessions (QSettings).

The window takes the QSettings object it should use, so tests pass one backed by a file in a
temporary folder and never touch the user's own settings.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

__all__ = ["Recent", "default_settings", "MAX_RECENT"]

MAX_RECENT = 8


def default_settings() -> QSettings:
    """The user's settings for the app (native format, per user)."""
    return QSettings("hotspots", "hotspots")


class Recent:
    """Read and write the remembered paths in a QSettings object."""

    def __init__(self, settings: QSettings) -> None:
        self.settings = settings

    def files(self) -> list[str]:
        value = self.settings.value("recent_files", [])
        if isinstance(value, str):  # QSettings returns a single entry as a plain string
            value = [value]
        return [str(v) for v in (value or []) if v]

    def add_file(self, path: str | Path) -> list[str]:
        p = str(Path(path).resolve())
        files = [p, *[f for f in self.files() if f != p]][:MAX_RECENT]
        self.settings.setValue("recent_files", files)
        self.settings.sync()
        return files

    def clear(self) -> None:
        self.settings.setValue("recent_files", [])
        self.settings.sync()

    def last_folder(self) -> str:
        value = self.settings.value("last_folder", "")
        return str(value) if value and Path(str(value)).is_dir() else str(Path.home())

    def output_folder(self) -> str:
        """Where the last export, pack or study was written: save dialogs open here, not where the
        input data was read from (an analyst keeps the police.uk downloads apart from results)."""
        value = self.settings.value("output_folder", "")
        return str(value) if value and Path(str(value)).is_dir() else str(Path.home())

    def set_output_folder(self, path: str | Path) -> None:
        p = Path(path)
        folder = p if p.is_dir() else p.parent
        self.settings.setValue("output_folder", str(folder))
        self.settings.sync()

    def set_last_folder(self, path: str | Path) -> None:
        p = Path(path)
        folder = p if p.is_dir() else p.parent
        self.settings.setValue("last_folder", str(folder))
        self.settings.sync()
