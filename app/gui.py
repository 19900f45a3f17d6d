"""The desktop application's entry point.

For now a placeholder window that lists the nodes of a project; the node editor replaces it
(issue "Editor"). The command line imports this module only for ``spikestudio open``.
"""

from __future__ import annotations

import os
import sys

from PySide6.QtCore import QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication, QMainWindow, QTreeWidget, QTreeWidgetItem

from engine.errors import ProjectFileError
from engine.io.project_file import load_project
from engine.model.project import Project

NO_DISPLAY_MESSAGE = (
    "spikestudio: no display found (DISPLAY and WAYLAND_DISPLAY are unset), so the window "
    "cannot open.\n"
    "  Simulate without a window:  spikestudio run FILE --out DIR\n"
    "  Render the window to a file: spikestudio open FILE --screenshot window.png\n"
    "  Force a Qt platform:         QT_QPA_PLATFORM=offscreen spikestudio open FILE"
)
PLACEHOLDER_STATUS = (
    "The graph editor arrives with the editor issue; use 'spikestudio run' to simulate."
)


def has_display() -> bool:
    """Whether a window can be shown (always on Windows and macOS; on Linux, an X11 or
    Wayland display, or an explicit ``QT_QPA_PLATFORM``)."""
    if not sys.platform.startswith("linux"):
        return True
    return any(os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def main(path: str | None = None, *, screenshot: str | None = None) -> int:
    """Open the application window, optionally on a project file.

    Parameters
    ----------
    path
        Project to open, or ``None`` for an empty window.
    screenshot
        If given, render the window offscreen into this PNG file and return instead of
        running the event loop.

    Returns
    -------
    int
        0 on success, 1 if the project or the screenshot cannot be loaded or written, 2 if
        there is no display to show the window on.
    """
    if screenshot is None and not has_display():
        print(NO_DISPLAY_MESSAGE, file=sys.stderr)
        return 2
    if screenshot is not None and not has_display():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"

    project = Project()
    if path is not None:
        try:
            project = load_project(path)
        except ProjectFileError as err:
            for problem in err.problems:
                print(f"{path}: {problem}", file=sys.stderr)
            return 1

    app = QApplication.instance() or QApplication(["spikestudio"])
    if not isinstance(app, QApplication):
        print("spikestudio: a non-widget Qt application already runs here", file=sys.stderr)
        return 1
    app.setApplicationName("SpikeStudio")
    window = PlaceholderWindow(project)
    if screenshot is not None:
        qInstallMessageHandler(_quiet_offscreen_warnings)
        window.resize(900, 600)
        window.show()
        app.processEvents()
        ok = window.grab().save(screenshot, "PNG")
        window.close()
        if not ok:
            print(f"spikestudio: cannot write the screenshot to {screenshot}", file=sys.stderr)
            return 1
        return 0
    window.show()
    return app.exec()


def _quiet_offscreen_warnings(kind, context, message: str) -> None:
    """Drop the offscreen platform's note that it cannot resize windows; pass on the rest."""
    if "propagateSizeHints" in message and kind == QtMsgType.QtWarningMsg:
        return
    print(message, file=sys.stderr)


class PlaceholderWindow(QMainWindow):
    """The placeholder main window: the project's nodes in a tree, and a status message."""

    def __init__(self, project: Project) -> None:
        super().__init__()
        self.setWindowTitle(f"SpikeStudio — {project.name}")
        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Node", "Type", "Category"])
        self.tree.setRootIsDecorated(False)
        network = project.network
        for node in network.nodes:
            node_type = network.node_type(node)
            item = QTreeWidgetItem(
                [node.name, f"{node_type.title} ({node.type_id})", node_type.category]
            )
            item.setToolTip(1, node_type.doc)
            self.tree.addTopLevelItem(item)
        for column in range(3):
            self.tree.resizeColumnToContents(column)
        self.setCentralWidget(self.tree)
        self.statusBar().showMessage(PLACEHOLDER_STATUS)
