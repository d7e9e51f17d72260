"""Shared fixtures. GUI ones import Qt only when a GUI test asks for them.

Qt runs offscreen and QtWebEngine (Chromium) without its sandbox and GPU, so the GUI tests work
as root on a server with no display. Nothing here touches the user's settings: the window gets
a QSettings file in the test's temporary folder. A GUI test that leaves a worker thread running
fails (the napari habit), after the thread is cancelled and waited for.
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# the CLI's exports fork a child for the briefing; here GUI tests share the process with Qt's threads
os.environ.setdefault("HOTSPOTS_NO_FORK", "1")
_flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "").split()
os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = " ".join(
    _flags + [f for f in ("--no-sandbox", "--disable-gpu") if f not in _flags])

#: seconds the GUI tests wait for one job (load, analysis, map) before failing
GUI_TIMEOUT_MS = 120_000


def pytest_collection_finish(session: pytest.Session) -> None:
    """QtWebEngine must be imported before pytest-qt creates the QApplication."""
    if any(item.get_closest_marker("gui") for item in session.items):
        try:
            from PySide6.QtCore import QCoreApplication, Qt
            from PySide6.QtWebEngineWidgets import QWebEngineView  # noqa: F401

            QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
        except ImportError:
            pass  # the map tests skip with the reason (gui.map_view.webengine_error)


@pytest.fixture(autouse=True)
def _collect_on_the_gui_thread(request):
    """In a Qt test no cycle is collected in a worker thread (see ``gui/gc_guard.py``: a worker's
    collection that drops the last reference to a Qt object crashes the process); cycles are
    collected before and after the test, here on the main thread."""
    if "qtbot" not in request.fixturenames:
        yield
        return
    import gc

    gc.collect()
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
        gc.collect()


@pytest.fixture
def gui_settings(tmp_path):
    """A QSettings backed by a file in tmp_path (never the user's own settings)."""
    from PySide6.QtCore import QSettings

    s = QSettings(str(tmp_path / "hotspots-test.ini"), QSettings.Format.IniFormat)
    yield s
    s.sync()


@pytest.fixture
def no_dialogs(monkeypatch):
    """Capture every message box instead of blocking on it: a list of (kind, title, text)."""
    from PySide6.QtWidgets import QMessageBox

    seen: list[tuple[str, str, str]] = []

    def capture(kind, result):
        def fake(parent, title, text, *args, **kwargs):
            seen.append((kind, str(title), str(text)))
            return result

        return fake

    monkeypatch.setattr(QMessageBox, "critical", capture("critical", QMessageBox.StandardButton.Ok))
    monkeypatch.setattr(QMessageBox, "information", capture("information", QMessageBox.StandardButton.Ok))
    monkeypatch.setattr(QMessageBox, "warning", capture("warning", QMessageBox.StandardButton.Ok))
    monkeypatch.setattr(QMessageBox, "question", capture("question", QMessageBox.StandardButton.Discard))
    return seen


def _delete_now(widget) -> None:
    from PySide6.QtCore import QCoreApplication, QEvent

    widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def window(qtbot, gui_settings, no_dialogs):
    """A MainWindow (not yet showing a study); fails the test if a worker is left running."""
    from gui.main_window import MainWindow
    from gui.workers import all_runners

    win = MainWindow(settings=gui_settings)
    win.confirm_close = False
    qtbot.addWidget(win)
    win.show()
    yield win
    leaked = [r for r in all_runners() if r.busy or not r.wait(2000)]
    for r in leaked:
        r.shutdown(60_000)
    win.close()
    _delete_now(win)  # the web page must go before Qt releases the browser profile at exit
    if leaked:
        pytest.fail(f"the test left {len(leaked)} worker thread(s) running")


@pytest.fixture
def demo_window(window, qtbot):
    """The window with the synthetic demo study loaded and analysed, its map page loaded."""
    with qtbot.waitSignals([window.analysisShown, window.mapReady], timeout=GUI_TIMEOUT_MS):
        assert window.open_demo() is not None
    return window


# --- Kent 2021, loaded once per session (the real-data tests shared these loads, each its own copy) ---


def _kent(full: bool):
    from _paths import IMD_FILE1, KENT_BOUNDARIES, KENT_CRIME, KENT_PUBS, need_real

    from hotspots.pipeline import load_layers
    from hotspots.study import Study

    need_real(KENT_BOUNDARIES, KENT_CRIME, *((KENT_PUBS, IMD_FILE1) if full else ()))
    extra = {"pubs": str(KENT_PUBS), "imd": str(IMD_FILE1)} if full else {}
    study = Study(boundaries=str(KENT_BOUNDARIES), crimes=[str(KENT_CRIME)], **extra)
    return study, load_layers(study)


@pytest.fixture(scope="session")
def kent_base():
    """``(Study, Layers)``: Kent's LSOA boundaries and 2021 street crime (read only: do not change them)."""
    return _kent(full=False)


@pytest.fixture(scope="session")
def kent_full():
    """``(Study, Layers)``: Kent's boundaries, crime, pubs and IMD 2019 (read only: do not change them)."""
    return _kent(full=True)
