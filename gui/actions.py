"""Menus, toolbar and keyboard shortcuts of the main window, in one place.

Every action works by mouse (menu and toolbar) and by keyboard (the shortcuts people expect:
Ctrl+O open, Ctrl+R run, Ctrl+E export, Ctrl+S save, Esc cancel).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QStyle, QToolBar

__all__ = ["Actions", "build_actions"]


@dataclass
class Actions:
    new_study: QAction
    open_layers: QAction
    open_folder: QAction
    open_data: QAction
    open_study: QAction
    open_demo: QAction
    save: QAction
    save_as: QAction
    export: QAction
    evidence: QAction
    run: QAction
    evaluate: QAction
    cancel: QAction
    about: QAction
    quit: QAction
    recent_menu: QMenu

    def long_work(self) -> list[QAction]:
        """Actions that start a worker (disabled while one runs)."""
        return [self.new_study, self.open_layers, self.open_folder, self.open_data, self.open_study, self.open_demo,
                self.export, self.evidence, self.run, self.evaluate]


def build_actions(win: QMainWindow, handlers: dict[str, Callable[[], object]]) -> Actions:
    """Create the actions, the menu bar and the toolbar of ``win``; ``handlers`` maps action name -> slot."""
    st = win.style()

    def act(name: str, text: str, shortcut: QKeySequence | str | None, tip: str,
            icon: QStyle.StandardPixmap | None = None) -> QAction:
        a = QAction(text, win)
        if icon is not None:
            a.setIcon(st.standardIcon(icon))
        if shortcut:
            a.setShortcut(QKeySequence(shortcut))
            a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        a.setStatusTip(tip)
        a.setToolTip(f"{tip} ({QKeySequence(shortcut).toString()})" if shortcut else tip)
        a.triggered.connect(lambda _checked=False, f=handlers[name]: f())
        win.addAction(a)  # shortcuts work even with the menu bar hidden
        return a

    sp = QStyle.StandardPixmap
    a = Actions(
        new_study=act("new_study", "&New study", QKeySequence.StandardKey.New,
                      "Start an empty study (the demo and any loaded layers are closed)", sp.SP_FileIcon),
        open_layers=act("open_layers", "&Open layers…", QKeySequence.StandardKey.Open,
                        "Add boundaries, crime CSVs, IMD, pubs, StreetSafe or population files", sp.SP_DialogOpenButton),
        open_folder=act("open_folder", "Open crime &folder…", "Ctrl+Shift+F",
                        "Add a folder of police.uk monthly street CSVs", sp.SP_DirOpenIcon),
        open_data=act("open_data", "Get open &data…", None,
                      "Fetch police.uk crimes, ONS LSOA boundaries or the IoD files into a folder, then load them"),
        open_study=act("open_study", "Open &study…", "Ctrl+Shift+O", "Open a saved .hotspots study",
                       sp.SP_FileDialogStart),
        open_demo=act("open_demo", "Open the &demo study", None, "Reload the synthetic Demoton study"),
        save=act("save", "&Save study", QKeySequence.StandardKey.Save, "Save the layers and settings as a .hotspots file",
                 sp.SP_DialogSaveButton),
        save_as=act("save_as", "Save study &as…", "Ctrl+Shift+S", "Save the study under a new name"),
        export=act("export", "&Export all…", "Ctrl+E",
                   "Write the map, GIS files, spreadsheet, briefing PDF, CSV and summary to a folder",
                   sp.SP_DriveHDIcon),
        evidence=act("evidence", "E&vidence pack…", "Ctrl+Shift+E",
                     "Write a Safer Streets evidence pack (Word) for the selected LSOAs, the selected zone or the top zones"),
        run=act("run", "&Run analysis", "Ctrl+R", "Count, test and map with the current settings", sp.SP_MediaPlay),
        evaluate=act("evaluate", "&Evaluate the plans…", None,
                     "Backtest: build the patrol spots and zones on earlier months and score them on the last three"),
        cancel=act("cancel", "&Cancel", "Esc", "Stop the running job", sp.SP_BrowserStop),
        about=act("about", "&About hotspots", None, "Versions and data licences"),
        quit=act("quit", "&Quit", QKeySequence.StandardKey.Quit, "Close the window"),
        recent_menu=QMenu("Open &recent", win),
    )
    a.cancel.setEnabled(False)
    mb = win.menuBar()
    file_menu = mb.addMenu("&File")
    for x in (a.new_study, a.open_layers, a.open_folder, a.open_data):
        file_menu.addAction(x)
    file_menu.addSeparator()
    for x in (a.open_study,):
        file_menu.addAction(x)
    file_menu.addMenu(a.recent_menu)
    file_menu.addAction(a.open_demo)
    file_menu.addSeparator()
    for x in (a.save, a.save_as, a.export):
        file_menu.addAction(x)
    file_menu.addSeparator()
    file_menu.addAction(a.quit)
    run_menu = mb.addMenu("&Analysis")
    run_menu.addAction(a.run)
    run_menu.addAction(a.evaluate)
    run_menu.addAction(a.cancel)
    run_menu.addSeparator()
    run_menu.addAction(a.evidence)
    help_menu = mb.addMenu("&Help")
    help_menu.addAction(a.about)

    tb = QToolBar("Main", win)
    tb.setObjectName("main_toolbar")
    tb.setIconSize(QSize(20, 20))
    tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    for x in (a.open_layers, a.open_study, a.save, None, a.run, a.cancel, None, a.export):
        if x is None:
            tb.addSeparator()
        else:
            tb.addAction(x)
    win.addToolBar(tb)
    return a


def add_after(win: QMainWindow, act: QAction, after: QAction) -> None:
    """Put ``act`` in the menu that holds ``after``, just below it, and among the window's
    shortcuts (an action added by a feature module after the menus were built)."""
    menu = next((a.menu() for a in win.menuBar().actions() if a.menu() is not None
                 and after in a.menu().actions()), None)
    if menu is not None:
        acts = menu.actions()
        i = acts.index(after)
        menu.insertAction(acts[i + 1] if i + 1 < len(acts) else None, act)
    win.addAction(act)
