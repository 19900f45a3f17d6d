"""The SpikeStudio main window: canvas, palette, inspector and panels, menus, files and undo.

The window owns one :class:`Document` at a time (the project, its view state, its undo stack and
its file). Widgets report what the user did through signals; the window turns each request into
a command from :mod:`app.commands` and pushes it on the undo stack. Commands change the model;
the widgets follow the model's events.

``run(path, screenshot)`` is the entry point used by ``spikestudio open``.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from PySide6.QtCore import QPoint, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QUndoGroup,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QSpinBox,
    QToolBar,
    QToolButton,
    QUndoView,
    QVBoxLayout,
    QWidget,
)

from app.actions import Actions
from app.autosave import Autosaver, Recovery, discard_recovery, find_recoveries
from app.clipboard import (
    FragmentError,
    clipboard_text,
    copy_to_clipboard,
    fragment_origin,
    fragment_to_json,
    instantiate,
    make_fragment,
    parse_fragment,
    release_clipboard,
)
from app.commands import (
    AddAnnotationCommand,
    AddLinkCommand,
    AddNodeCommand,
    ConnectGroupsCommand,
    EditAnnotationCommand,
    InsertNodesCommand,
    MoveItemsCommand,
    RemoveItemsCommand,
    RenameNodeCommand,
    SetParamCommand,
    SetPlasticityCommand,
    SetSettingCommand,
)
from app.hardware import attach_hardware_panel
from app.settings import AppSettings
from app.simulation import SimulationController, wait_for
from engine import __version__
from engine.errors import ProjectFileError, UnsupportedVersionError
from engine.io.project_file import load_project, save_project
from engine.model.catalog import NodeType, default_catalog
from engine.model.network import CHANGE_EVENTS
from engine.model.project import Project
from widgets.canvas.layout import layered_layout, node_size
from widgets.canvas.scene import GraphScene, snap
from widgets.canvas.view import GraphView
from widgets.canvas.wiring import WireEnd, resolve_wire
from widgets.icons import app_icon, icon_size
from widgets.inspector import NEW_RULE_PREFIX, Inspector
from widgets.mime import PROJECT_SUFFIX
from widgets.palette import PaletteWidget
from widgets.quick_add import QuickAddMenu
from widgets.theme import apply_theme, current_theme
from widgets.view_state import ViewState, make_annotation

FILE_FILTER = f"SpikeStudio projects (*{PROJECT_SUFFIX});;All files (*)"
DEFAULT_SIZE = (1440, 900)
PASTE_OFFSET = 30.0
MAX_SHOWN_PROBLEMS = 8
ALIGN_TITLES = {
    "left": "Align left",
    "right": "Align right",
    "top": "Align top",
    "bottom": "Align bottom",
    "hcenter": "Align centers vertically",
    "vcenter": "Align centers horizontally",
    "distribute_h": "Distribute horizontally",
    "distribute_v": "Distribute vertically",
}


class Document:
    """One open project: the model, its view state, its undo stack and its file.

    Parameters
    ----------
    project
        The project (a new empty one by default).
    path
        The file it was read from or last saved to, or ``None`` if never saved.
    """

    def __init__(self, project: Project | None = None, path: str | Path | None = None) -> None:
        self.project = project or Project()
        self.network = self.project.network
        self.view = ViewState(self.project.view)
        self.undo_stack = QUndoStack()
        self.path = Path(path) if path else None

    @property
    def display_name(self) -> str:
        """File name shown in the title bar."""
        return self.path.name if self.path else f"{self.project.name}{PROJECT_SUFFIX}"

    def is_modified(self) -> bool:
        """Whether there are changes that are not saved."""
        return not self.undo_stack.isClean()


def place_missing_nodes(document: Document) -> None:
    """Give nodes that have no position one from the automatic layout (for hand-written files).

    This completes what was loaded; it is not an edit, so it is not undoable.
    """
    missing = [n.id for n in document.network.nodes if document.view.position(n.id) is None]
    if not missing:
        return
    layout = layered_layout(document.network)
    placed = [document.view.position(n.id) for n in document.network.nodes]
    placed = [p for p in placed if p is not None]
    dx = max((p[0] for p in placed), default=-260.0) + 260.0 if placed else 0.0
    for node_id in missing:
        x, y = layout[node_id]
        document.view.set_position(node_id, x + dx, y)


class PreferencesDialog(QDialog):
    """Theme, autosave and simulation settings."""

    def __init__(self, settings: AppSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self.setMinimumWidth(420)
        self.theme = QComboBox()
        self.theme.addItem("Light", "light")
        self.theme.addItem("Dark", "dark")
        self.theme.setCurrentIndex(max(0, self.theme.findData(settings.theme)))
        self.autosave = QDoubleSpinBox()
        self.autosave.setRange(0, 3600)
        self.autosave.setDecimals(0)
        self.autosave.setSuffix(" s")
        self.autosave.setSpecialValueText("off")
        self.autosave.setValue(settings.autosave_interval_s)
        self.threads = QSpinBox()
        self.threads.setRange(1, os.cpu_count() or 1)
        self.threads.setValue(settings.simulation_threads)
        self.threads.setToolTip(
            "Threads a run uses. Large networks run faster on several idle cores, with exactly "
            "the same results as on one. Networks of fewer than 32,768 neurons run on one, "
            "which is faster for them, and one core is left to the window (on a 2-core "
            "machine runs use one thread)."
        )
        folder = QLabel(str(settings.recovery_dir))
        folder.setObjectName("muted")
        folder.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form = QFormLayout()
        form.addRow("Theme", self.theme)
        form.addRow("Autosave every", self.autosave)
        form.addRow("Simulation threads", self.threads)
        form.addRow("Recovery files in", folder)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)


GETTING_STARTED = """<h3>Build a network in four gestures</h3>
<ol>
<li><b>Add nodes</b>: drag <i>Poisson spikes</i> and two <i>LIF neurons</i> from the palette
onto the canvas (or double-click the canvas and type a name).</li>
<li><b>Wire them</b>: drag from a node's <i>out</i> port (right edge) onto another population.
A <i>Projection</i> node with sensible defaults is inserted between them.</li>
<li><b>Add learning</b>: select a projection and pick <i>New Pair STDP rule</i> under
<i>plasticity</i> in the inspector (or drag a Pair STDP node and wire it to the projection's
<i>plasticity</i> port).</li>
<li><b>Tune</b>: select any node and edit its parameters in the inspector. Units are shown next to
each field; a refused value says why below the field.</li>
</ol>
<p>Everything can be undone (Ctrl+Z). Save with Ctrl+S. Pan with the middle mouse button or
Space + drag, zoom with the wheel, Ctrl+0 shows the whole graph.</p>"""


class MainWindow(QMainWindow):
    """The editor window.

    Parameters
    ----------
    settings
        Where preferences and window state are kept (the user's settings by default).
    project, path
        The project to show first and its file (an empty project by default).
    """

    #: A new document was installed (new, open, restore): the :class:`Project`.
    project_changed = Signal(object)
    #: A save is about to serialize the :class:`Project`: views store their state in its view.
    about_to_save = Signal(object)
    #: Log messages from other threads reach the GUI thread through this.
    _log_requested = Signal(str, str)

    #: Open windows (kept referenced so that windows opened from a menu stay alive).
    windows: ClassVar[list[MainWindow]] = []

    def __init__(
        self,
        settings: AppSettings | None = None,
        project: Project | None = None,
        path: str | Path | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings or AppSettings()
        apply_theme(self.settings.theme)
        self.catalog = default_catalog()
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        self.undo_group = QUndoGroup(self)
        self.menu_actions = Actions(self)
        self.document: Document | None = None
        self.scene: GraphScene | None = None
        self._paste_count = 0
        self._last_paste_text = ""
        self.last_error_box: QMessageBox | None = None
        #: Whether closing saves geometry and dock layout (not for screenshots).
        self.persist_window_state = True
        #: ``command -> reason or None``: set by the simulation to refuse edits while it runs.
        self.edit_guard: Callable[[Any], str | None] | None = None

        self.view = GraphView()
        self.setCentralWidget(self.view)
        self.palette = PaletteWidget(self.catalog)
        self.inspector = Inspector()
        self.history = QUndoView(self.undo_group)
        self.history.setEmptyLabel("Empty project")
        self.log_view = QPlainTextEdit()
        self.log_view.setObjectName("log")
        self.log_view.setReadOnly(True)
        self.log_view.setMaximumBlockCount(5000)
        self.quick_add = QuickAddMenu(self.catalog, self)
        self._quick_add_handler: Callable[[str], None] | None = None
        self._build_docks()
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()
        self._connect()
        self._default_state = self.saveState()

        self.autosaver = Autosaver(self.settings.recovery_dir, self.settings.autosave_interval_s)
        self.autosaver.failed.connect(lambda msg: self.log(f"Autosave failed: {msg}", "warning"))
        self._problem_timer = QTimer(self)
        self._problem_timer.setSingleShot(True)
        self._problem_timer.setInterval(400)
        self._problem_timer.timeout.connect(self.check_problems)

        self.resize(*DEFAULT_SIZE)
        geometry, state = self.settings.window_state()
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)
        self.menu_actions.minimap.setChecked(self.settings.show_minimap)
        self.view.set_minimap_visible(self.settings.show_minimap)
        self.menu_actions.dark_theme.setChecked(current_theme().name == "dark")
        self.set_document(Document(project, path))
        self.simulation = SimulationController(self)
        self.hardware_panel = attach_hardware_panel(self)
        MainWindow.windows.append(self)
        self.log(f"SpikeStudio {__version__} ready.")

    # -- construction --------------------------------------------------------------------------
    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.addDockWidget(area, dock)
        return dock

    @staticmethod
    def _placeholder(text: str) -> QWidget:
        widget = QWidget()
        label = QLabel(text)
        label.setObjectName("placeholder")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setWordWrap(True)
        layout = QVBoxLayout(widget)
        layout.addWidget(label)
        return widget

    def _build_docks(self) -> None:
        left, right = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
        bottom = Qt.DockWidgetArea.BottomDockWidgetArea
        self.palette_dock = self._dock("Palette", "palette_dock", self.palette, left)
        self.inspector_dock = self._dock("Inspector", "inspector_dock", self.inspector, right)
        self.history_dock = self._dock("History", "history_dock", self.history, right)
        # not tabified with the inspector: a hidden dock in a tab group makes Qt leave stray
        # tab bars on screen; it opens below the inspector instead
        self.history_dock.hide()
        self.plots_dock = self._dock(
            "Plots",
            "plots_dock",
            self._placeholder(
                "Plots appear here while a simulation runs.\n"
                "Wire a Spike recorder or a State recorder to a population to choose what "
                "is plotted."
            ),
            bottom,
        )
        self.hardware_dock = self._dock(
            "Hardware",
            "hardware_dock",
            self._placeholder("Pick a neuromorphic chip to see how this network maps onto it."),
            bottom,
        )
        self.splitDockWidget(self.plots_dock, self.hardware_dock, Qt.Orientation.Horizontal)
        self.log_dock = self._dock("Messages", "log_dock", self.log_view, bottom)
        self.tabifyDockWidget(self.plots_dock, self.log_dock)
        self.plots_dock.raise_()
        self.resizeDocks(
            [self.palette_dock, self.inspector_dock], [250, 330], Qt.Orientation.Horizontal
        )
        self.resizeDocks([self.plots_dock], [170], Qt.Orientation.Vertical)
        self.resizeDocks(
            [self.plots_dock, self.hardware_dock], [820, 470], Qt.Orientation.Horizontal
        )

    def set_plots_widget(self, widget: QWidget) -> None:
        """Put the live plots (from the simulation code) in the Plots panel."""
        self.plots_dock.setWidget(widget)

    def set_hardware_widget(self, widget: QWidget) -> None:
        """Put the hardware panel in its dock."""
        self.hardware_dock.setWidget(widget)

    def _build_menus(self) -> None:
        a = self.menu_actions
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addActions([a.new, a.new_window, a.open])
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self._fill_recent_menu()
        file_menu.addSeparator()
        file_menu.addActions([a.save, a.save_as])
        file_menu.addSeparator()
        file_menu.addAction(a.export_image)
        file_menu.addSeparator()
        file_menu.addActions([a.close, a.quit])

        edit = bar.addMenu("&Edit")
        edit.addActions([a.undo, a.redo])
        edit.addSeparator()
        edit.addActions([a.cut, a.copy, a.paste, a.duplicate, a.delete])
        edit.addSeparator()
        edit.addActions([a.select_all, a.rename])
        edit.addSeparator()
        edit.addActions([a.quick_add, a.add_note])
        align = edit.addMenu("Ali&gn")
        align.addActions([a.align_left, a.align_hcenter, a.align_right])
        align.addSeparator()
        align.addActions([a.align_top, a.align_vcenter, a.align_bottom])
        align.addSeparator()
        align.addActions([a.distribute_h, a.distribute_v])
        edit.addAction(a.tidy)
        edit.addSeparator()
        edit.addAction(a.history)
        edit.addSeparator()
        edit.addAction(a.preferences)

        view = bar.addMenu("&View")
        view.addActions([a.zoom_in, a.zoom_out, a.zoom_fit, a.zoom_reset])
        view.addSeparator()
        view.addActions([a.minimap, a.dark_theme])
        view.addSeparator()
        panels = view.addMenu("&Panels")
        for dock in (
            self.palette_dock,
            self.inspector_dock,
            self.plots_dock,
            self.hardware_dock,
            self.log_dock,
            self.history_dock,
        ):
            panels.addAction(dock.toggleViewAction())
        view.addAction(a.hardware_panel)
        view.addAction(a.reset_layout)

        simulation = bar.addMenu("&Simulation")
        simulation.addActions([a.run, a.pause, a.step, a.step_dt, a.stop])
        self.simulation_menu = simulation

        help_menu = bar.addMenu("&Help")
        help_menu.addActions([a.getting_started, a.about])

    def _build_toolbar(self) -> None:
        a = self.menu_actions
        toolbar = QToolBar("Main tool bar")
        toolbar.setObjectName("main_toolbar")
        toolbar.setIconSize(icon_size())
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        toolbar.addActions([a.new, a.open, a.save])
        toolbar.addSeparator()
        toolbar.addActions([a.undo, a.redo])
        toolbar.addSeparator()
        toolbar.addActions([a.quick_add, a.add_note, a.delete])
        toolbar.addSeparator()
        toolbar.addActions([a.zoom_in, a.zoom_out, a.zoom_fit])
        toolbar.addSeparator()
        toolbar.addActions([a.run, a.pause, a.step, a.stop])
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)
        self.toolbar = toolbar
        for action in (a.run,):
            button = toolbar.widgetForAction(action)
            if isinstance(button, QToolButton):
                button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.problems_label = QLabel()
        self.problems_label.setToolTip("Problems that would stop a run")
        self.counts_label = QLabel()
        self.zoom_label = QLabel("100 %")
        self.zoom_label.setMinimumWidth(52)
        status.addPermanentWidget(self.problems_label)
        status.addPermanentWidget(self.counts_label)
        status.addPermanentWidget(self.zoom_label)

    def _connect(self) -> None:
        a = self.menu_actions
        triggers: dict[str, Callable[[], Any]] = {
            "new": self.new_document,
            "new_window": self.open_new_window,
            "open": self.open_dialog,
            "save": self.save,
            "save_as": self.save_as,
            "close": self.close,
            "export_image": self.export_image,
            "quit": self.quit_application,
            "undo": self.undo_group.undo,
            "redo": self.undo_group.redo,
            "cut": self.cut,
            "copy": self.copy,
            "paste": self.paste,
            "duplicate": self.duplicate,
            "delete": self.delete_selection,
            "select_all": self.select_all,
            "rename": self.rename_selected,
            "quick_add": lambda: self.open_quick_add(self.view.cursor_scene_pos(), ""),
            "add_note": self.add_note,
            "align_left": lambda: self.align("left"),
            "align_right": lambda: self.align("right"),
            "align_top": lambda: self.align("top"),
            "align_bottom": lambda: self.align("bottom"),
            "align_hcenter": lambda: self.align("hcenter"),
            "align_vcenter": lambda: self.align("vcenter"),
            "distribute_h": lambda: self.align("distribute_h"),
            "distribute_v": lambda: self.align("distribute_v"),
            "tidy": self.tidy_up,
            "zoom_in": self.view.zoom_in,
            "zoom_out": self.view.zoom_out,
            "zoom_fit": self.view.fit_to_view,
            "zoom_reset": self.view.reset_zoom,
            "reset_layout": self.reset_layout,
            "preferences": self.show_preferences,
            "getting_started": self.show_getting_started,
            "about": self.show_about,
        }
        for name, slot in triggers.items():
            a[name].triggered.connect(slot)
        a.history.toggled.connect(self._toggle_history)
        self.history_dock.visibilityChanged.connect(
            lambda visible: a.history.setChecked(visible or not self.history_dock.isHidden())
        )
        a.minimap.toggled.connect(self._toggle_minimap)
        a.dark_theme.toggled.connect(lambda dark: self.set_theme("dark" if dark else "light"))
        self.undo_group.canUndoChanged.connect(a.undo.setEnabled)
        self.undo_group.canRedoChanged.connect(a.redo.setEnabled)
        self.undo_group.undoTextChanged.connect(
            lambda text: a.undo.setText(f"&Undo {text}" if text else "&Undo")
        )
        self.undo_group.redoTextChanged.connect(
            lambda text: a.redo.setText(f"&Redo {text}" if text else "&Redo")
        )
        a.undo.setEnabled(False)
        a.redo.setEnabled(False)

        self.view.node_drop_requested.connect(self.add_node)
        self.view.quick_add_requested.connect(self.open_quick_add)
        self.view.files_dropped.connect(self._files_dropped)
        self.view.zoom_changed.connect(lambda z: self.zoom_label.setText(f"{z * 100:.0f} %"))
        self.view.context_menu_requested.connect(self.show_context_menu)
        self.view.nudge_requested.connect(self.nudge_selection)
        self.palette.node_type_activated.connect(
            lambda type_id: self.add_node(type_id, self.view.center_scene_pos())
        )
        self.quick_add.type_chosen.connect(self._quick_add_chosen)
        self.inspector.param_edit_requested.connect(self.set_param)
        self.inspector.rename_requested.connect(self.rename_node)
        self.inspector.setting_edit_requested.connect(self.set_setting)
        self.inspector.plasticity_requested.connect(self.set_plasticity)
        self.inspector.node_link_activated.connect(self.focus_node)
        self._log_requested.connect(self.log)

    # -- the document --------------------------------------------------------------------------
    @property
    def network(self):
        """The network of the current document."""
        assert self.document is not None
        return self.document.network

    @property
    def undo_stack(self) -> QUndoStack:
        """The undo stack of the current document."""
        assert self.document is not None
        return self.document.undo_stack

    def set_document(self, document: Document) -> None:
        """Show ``document`` in this window (the previous one is dropped)."""
        old = self.document
        if old is not None:
            self._detach_document(old)
        place_missing_nodes(document)
        self.document = document
        scene = GraphScene(document.network, document.view, self)
        scene.items_moved.connect(self._items_moved)
        scene.link_requested.connect(self.add_link)
        scene.groups_requested.connect(self.connect_groups)
        scene.connection_refused.connect(self._connection_refused)
        scene.wire_hint_changed.connect(self._wire_hint)
        scene.wire_dropped.connect(self._wire_dropped)
        scene.annotation_edited.connect(self._annotation_edited)
        scene.node_activated.connect(self._node_activated)
        scene.selectionChanged.connect(self._selection_changed)
        self.scene = scene
        self.view.setScene(scene)
        self.inspector.set_network(document.network)
        self.undo_group.addStack(document.undo_stack)
        self.undo_group.setActiveStack(document.undo_stack)
        document.undo_stack.cleanChanged.connect(self._update_title)
        document.undo_stack.indexChanged.connect(self._document_edited)
        for event in CHANGE_EVENTS:
            document.network.events.connect(event, self._schedule_problem_check)
        self.autosaver.track(document.project, str(document.path) if document.path else None)
        self.autosaver.mark_changed(document.is_modified())
        self._paste_count = 0
        self._restore_camera()
        self._update_title()
        self._update_counts()
        self._selection_changed()
        self._schedule_problem_check()
        self.project_changed.emit(document.project)

    def _detach_document(self, document: Document) -> None:
        if self.scene is not None:
            self.scene.cancel_wire()
            self.scene.detach()
            self.view.setScene(None)
            self.scene.deleteLater()
            self.scene = None
        for event in (
            "node_added",
            "node_removed",
            "link_added",
            "link_removed",
            "param_changed",
            "settings_changed",
        ):
            document.network.events.disconnect(event, self._schedule_problem_check)
        try:
            document.undo_stack.cleanChanged.disconnect(self._update_title)
            document.undo_stack.indexChanged.disconnect(self._document_edited)
        except (RuntimeError, TypeError):
            pass
        self.undo_group.removeStack(document.undo_stack)

    def _restore_camera(self) -> None:
        assert self.document is not None
        view_state = self.document.view
        if (
            self.document.network.nodes
            and view_state.center is not None
            and (view_state.view.get("center") != [0.0, 0.0] or view_state.zoom != 1.0)
        ):
            self.view.set_camera(view_state.zoom, view_state.center)
        elif self.document.network.nodes:
            QTimer.singleShot(0, self.view.fit_to_view)
            self.view.fit_to_view()
        else:
            self.view.set_zoom(1.0)
            self.view.centerOn(0.0, 0.0)
        self.zoom_label.setText(f"{self.view.zoom() * 100:.0f} %")

    def _document_edited(self, *_: Any) -> None:
        assert self.document is not None
        self.autosaver.mark_changed(self.document.is_modified())
        self._update_counts()

    def _update_title(self, *_: Any) -> None:
        if self.document is None:
            return
        self.setWindowTitle(f"{self.document.display_name}[*] — SpikeStudio")
        self.setWindowModified(self.document.is_modified())
        self.autosaver.mark_changed(self.document.is_modified())

    def _update_counts(self) -> None:
        if self.document is None:
            return
        n, m = len(self.network.nodes), len(self.network.links)
        self.counts_label.setText(f"{n} node{'s' * (n != 1)} · {m} wire{'s' * (m != 1)}")

    def is_modified(self) -> bool:
        """Whether the document has changes that are not saved."""
        return self.document is not None and self.document.is_modified()

    def push(self, command) -> bool:
        """Push an edit on the undo stack (after checking it can be done)."""
        problem = command.problem() if hasattr(command, "problem") else None
        if problem:
            self._connection_refused(problem)
            return False
        refusal = self.edit_guard(command) if self.edit_guard is not None else None
        if refusal:
            self.log(refusal, "warning")
            return False
        self.undo_stack.push(command)
        return True

    # -- problems ------------------------------------------------------------------------------
    def _schedule_problem_check(self, **_: Any) -> None:
        self._problem_timer.start()

    def check_problems(self) -> list[str]:
        """Check the wiring rules a run needs and show the result in the status bar."""
        if self.document is None:
            return []
        if not self.network.nodes:
            self.problems_label.setText("")
            return []
        from engine.model.checks import check_network  # networkx loads on first use

        report = check_network(self.network)
        messages = [error.message for error in report.errors]
        if messages:
            count = len(messages)
            self.problems_label.setText(f"⚠ {count} problem{'s' * (count != 1)}")
            self.problems_label.setStyleSheet(f"color: {current_theme().error};")
            self.problems_label.setToolTip("\n".join(messages[:20]))
        else:
            self.problems_label.setText("✓ ready to run" if self.network.nodes else "")
            self.problems_label.setStyleSheet("")
            self.problems_label.setToolTip("")
        return messages

    # -- messages ------------------------------------------------------------------------------
    def log(self, message: str, level: str = "info") -> None:
        """Add a line to the Messages panel (warnings also go to the status bar)."""
        stamp = time.strftime("%H:%M:%S")
        marker = {"warning": "⚠ ", "error": "✖ "}.get(level, "")
        self.log_view.appendPlainText(f"{stamp}  {marker}{message}")
        if level != "info":
            self.statusBar().showMessage(message, 8000)

    def log_from_thread(self, message: str, level: str = "info") -> None:
        """Thread-safe :meth:`log` (queued to the GUI thread; dropped if the window is gone)."""
        try:
            self._log_requested.emit(message, level)
        except RuntimeError:
            pass

    def _connection_refused(self, reason: str) -> None:
        self.log(f"Cannot connect: {reason}", "warning")

    def _wire_hint(self, reason: str) -> None:
        if reason:
            self.statusBar().showMessage(f"Cannot connect here: {reason}")
        else:
            self.statusBar().clearMessage()

    # -- edits requested by the widgets --------------------------------------------------------
    def add_node(self, type_id: str, scene_pos: QPointF | tuple[float, float]) -> str | None:
        """Add a node of ``type_id`` centred at ``scene_pos``; returns its id."""
        try:
            node_type = self.catalog.get(type_id)
        except KeyError:
            self.log(f"Unknown node type {type_id!r}", "warning")
            return None
        x, y = (scene_pos.x(), scene_pos.y()) if isinstance(scene_pos, QPointF) else scene_pos
        width, _ = node_size(node_type)
        position = (snap(x - width / 2), snap(y - 14))
        command = AddNodeCommand(self.network, self.document.view, type_id, position)
        self.push(command)
        assert self.scene is not None
        self.scene.select([command.node_id])
        self.view.setFocus()
        return command.node_id

    def _items_moved(self, node_moves: dict, note_moves: dict) -> None:
        self.push(MoveItemsCommand(self.document.view, node_moves, note_moves))

    def add_link(self, source: str, source_port: str, target: str, target_port: str) -> bool:
        """Wire two ports (refused with a message if they do not fit)."""
        return self.push(AddLinkCommand(self.network, source, source_port, target, target_port))

    def _projection_position(self, pre: str, post: str) -> tuple[float, float]:
        view = self.document.view
        a, b = view.position(pre) or (0.0, 0.0), view.position(post) or (300.0, 0.0)
        wa, ha = node_size(self.network.node_type(pre))
        projection_type = self.catalog.get("projection.synapses")
        wp, hp = node_size(projection_type)
        _, hb = node_size(self.network.node_type(post))
        if pre == post:
            return snap(a[0] + (wa - wp) / 2), snap(a[1] - hp - 50)
        cx = (a[0] + wa + b[0]) / 2
        cy = (a[1] + ha / 2 + b[1] + hb / 2) / 2
        return snap(cx - wp / 2), snap(cy - hp / 2)

    def connect_groups(self, pre: str, post: str) -> str | None:
        """Wire spike source ``pre`` onto population ``post`` through a new projection."""
        command = ConnectGroupsCommand(
            self.network, self.document.view, pre, post, self._projection_position(pre, post)
        )
        self.push(command)
        projection = command.projection_id
        if projection is not None and self.scene is not None:
            self.scene.select([projection])
            self.log(
                f"Inserted {self.network.node(projection).name!r} with default synapses; "
                "select it to edit connectivity, weights and delays."
            )
        return projection

    def _wire_dropped(self, node_id: str, port: str, direction: str, pos: QPointF) -> None:
        start = WireEnd(node_id, port, direction, self.network.node_type(node_id).port(port).kind)

        def fits(node_type: NodeType) -> bool:
            ports = node_type.outputs if direction == "in" else node_type.inputs
            if direction == "out" and start.kind == "spikes" and node_type.category == "population":
                return True
            if direction == "in" and start.kind == "synapses" and node_type.is_neuron_group:
                return True
            return any(p.kind == start.kind for p in ports)

        def create(type_id: str) -> None:
            node_type = self.catalog.get(type_id)
            width, height = node_size(node_type)
            x = pos.x() if direction == "out" else pos.x() - width
            position = (snap(x), snap(pos.y() - height / 2))
            self.undo_stack.beginMacro(f"Add and wire {node_type.title}")
            command = AddNodeCommand(self.network, self.document.view, type_id, position)
            self.undo_stack.push(command)
            result = resolve_wire(self.network, start, command.node_id, None)
            if result.action == "link":
                self.add_link(result.source, result.source_port, result.target, result.target_port)
            elif result.action == "groups":
                self.connect_groups(result.source, result.target)
            self.undo_stack.endMacro()
            self.scene.select([command.node_id])

        self.open_quick_add(pos, "", type_filter=fits, on_chosen=create, title="Add and wire")

    def _annotation_edited(self, annotation_id: str, changes: dict, previous: dict) -> None:
        self.push(EditAnnotationCommand(self.document.view, annotation_id, changes, previous))

    def set_param(self, node_id: str, name: str, value: Any, merge: bool = False) -> None:
        """Set a node parameter (one undo step; steps with ``merge`` combine)."""
        self.push(SetParamCommand(self.network, node_id, name, value, merge))

    def rename_node(self, node_id: str, name: str) -> None:
        """Rename a node (one undo step)."""
        self.push(RenameNodeCommand(self.network, node_id, name))

    def set_setting(self, name: str, value: Any, merge: bool = False) -> None:
        """Set a simulation setting (one undo step)."""
        self.push(SetSettingCommand(self.network, name, value, merge))

    def set_plasticity(self, projection_id: str, choice: str) -> None:
        """Make a rule govern a projection (``choice``: rule id, "" or "new:<type>")."""
        new_type = choice[len(NEW_RULE_PREFIX) :] if choice.startswith(NEW_RULE_PREFIX) else None
        position = (0.0, 0.0)
        if new_type is not None:
            x, y = self.document.view.position(projection_id) or (0.0, 0.0)
            _, height = node_size(self.catalog.get(new_type))
            position = (snap(x), snap(y - height - 40))
        self.push(
            SetPlasticityCommand(
                self.network,
                self.document.view,
                projection_id,
                "" if new_type else choice,
                new_type,
                position,
            )
        )

    def focus_node(self, node_id: str) -> None:
        """Select a node and bring it into view."""
        if self.scene is None or node_id not in {n.id for n in self.network.nodes}:
            return
        self.scene.select([node_id])
        self.view.centerOn(self.scene.node_item(node_id))

    def select_nodes(self, node_ids: list[str]) -> None:
        """Select these nodes in the canvas and bring the first into view."""
        if self.scene is None:
            return
        known = {n.id for n in self.network.nodes}
        node_ids = [n for n in node_ids if n in known]
        self.scene.select(node_ids)
        if node_ids:
            self.view.ensureVisible(self.scene.node_item(node_ids[0]))

    def show_hardware_panel(self) -> None:
        """Show the Hardware dock and bring it to the front."""
        self.hardware_dock.show()
        self.hardware_dock.raise_()
        self.hardware_panel.platform_combo.setFocus()

    def _node_activated(self, node_id: str) -> None:
        self.inspector_dock.show()
        self.inspector_dock.raise_()
        self.inspector.focus_name()

    # -- quick add -----------------------------------------------------------------------------
    def open_quick_add(
        self,
        scene_pos: QPointF,
        text: str = "",
        type_filter: Callable[[NodeType], bool] | None = None,
        on_chosen: Callable[[str], None] | None = None,
        title: str = "Add node",
    ) -> None:
        """Open the searchable add-node menu at ``scene_pos``."""
        self._quick_add_handler = on_chosen or (lambda type_id: self.add_node(type_id, scene_pos))
        global_pos = self.view.viewport().mapToGlobal(self.view.mapFromScene(scene_pos))
        self.quick_add.popup_at(global_pos + QPoint(4, 4), text, type_filter, title)

    def _quick_add_chosen(self, type_id: str) -> None:
        handler, self._quick_add_handler = self._quick_add_handler, None
        if handler is not None:
            handler(type_id)

    # -- selection-based edits -----------------------------------------------------------------
    def _selection_changed(self) -> None:
        if self.scene is None:
            return
        nodes = self.scene.selected_node_ids()
        links = self.scene.selected_link_ids()
        notes = self.scene.selected_annotation_ids()
        total = len(nodes) + len(links) + len(notes)
        if len(nodes) == 1 and total == 1:
            self.inspector.show_node(nodes[0])
        elif len(links) == 1 and total == 1:
            self.inspector.show_link(links[0])
        elif total > 1:
            self.inspector.show_selection_summary(total)
        elif self.inspector.mode != "settings":
            self.inspector.show_settings()
        a = self.menu_actions
        for action in (a.cut, a.copy, a.duplicate):
            action.setEnabled(bool(nodes or notes))
        a.delete.setEnabled(total > 0)
        a.rename.setEnabled(len(nodes) == 1)
        for name in (
            "align_left",
            "align_right",
            "align_top",
            "align_bottom",
            "align_hcenter",
            "align_vcenter",
        ):
            a[name].setEnabled(len(nodes) >= 2)
        a.distribute_h.setEnabled(len(nodes) >= 3)
        a.distribute_v.setEnabled(len(nodes) >= 3)

    def show_context_menu(self, scene_pos: QPointF, global_pos: QPoint) -> QMenu:
        """The right-click menu for what is under the mouse (or the empty canvas)."""
        a = self.menu_actions
        menu = QMenu(self)
        nodes = self.scene.selected_node_ids() if self.scene is not None else []
        links = self.scene.selected_link_ids() if self.scene is not None else []
        notes = self.scene.selected_annotation_ids() if self.scene is not None else []
        if len(nodes) == 1 and not links and not notes:
            menu.addAction(a.rename)
        if nodes or notes:
            menu.addActions([a.cut, a.copy, a.duplicate])
        if nodes or links or notes:
            menu.addAction(a.delete)
        if len(nodes) >= 2:
            align = menu.addMenu("Align")
            align.addActions(
                [
                    a.align_left,
                    a.align_hcenter,
                    a.align_right,
                    a.align_top,
                    a.align_vcenter,
                    a.align_bottom,
                ]
            )
        if not (nodes or links or notes):
            menu.addAction(
                a.quick_add.icon(), "Add Node Here…", lambda: self.open_quick_add(scene_pos)
            )
            menu.addAction(a.add_note.icon(), "Add Note Here", lambda: self.add_note(scene_pos))
            menu.addAction(a.paste)
            menu.addSeparator()
            menu.addActions([a.select_all, a.zoom_fit, a.tidy])
        menu.popup(global_pos)
        self._context_menu = menu
        return menu

    def nudge_selection(self, dx: float, dy: float) -> None:
        """Move the selected nodes and notes by ``dx, dy`` (arrow keys; one undo step)."""
        if self.scene is None:
            return
        view = self.document.view
        node_moves = {}
        for node_id in self.scene.selected_node_ids():
            x, y = view.position(node_id) or (0.0, 0.0)
            node_moves[node_id] = ((x, y), (x + dx, y + dy))
        note_moves = {}
        for note_id in self.scene.selected_annotation_ids():
            note = view.annotation(note_id)
            note_moves[note_id] = ((note["x"], note["y"]), (note["x"] + dx, note["y"] + dy))
        if node_moves or note_moves:
            self.push(MoveItemsCommand(view, node_moves, note_moves, text="Nudge", merge=True))

    def delete_selection(self) -> None:
        """Delete the selected nodes (with their wires), wires and notes."""
        if self.scene is None:
            return
        command = RemoveItemsCommand(
            self.network,
            self.document.view,
            self.scene.selected_node_ids(),
            self.scene.selected_link_ids(),
            self.scene.selected_annotation_ids(),
        )
        if not command.is_empty():
            self.push(command)

    def select_all(self) -> None:
        """Select everything on the canvas."""
        if self.scene is not None:
            self.scene.select_all()

    def rename_selected(self) -> None:
        """Put the cursor in the selected node's name (F2)."""
        if self.scene is not None and len(self.scene.selected_node_ids()) == 1:
            self._node_activated(self.scene.selected_node_ids()[0])

    def _selected_fragment(self) -> dict | None:
        if self.scene is None:
            return None
        nodes = self.scene.selected_node_ids()
        notes = self.scene.selected_annotation_ids()
        if not nodes and not notes:
            return None
        order = {n.id: i for i, n in enumerate(self.network.nodes)}
        nodes.sort(key=order.__getitem__)
        return make_fragment(self.network, self.document.view, nodes, notes)

    def copy(self) -> bool:
        """Copy the selection to the clipboard as JSON."""
        fragment = self._selected_fragment()
        if fragment is None:
            return False
        copy_to_clipboard(fragment)
        self._paste_count = 0
        count = len(fragment["nodes"]) + len(fragment["annotations"])
        self.statusBar().showMessage(f"Copied {count} item{'s' * (count != 1)}", 3000)
        return True

    def cut(self) -> None:
        """Copy the selection to the clipboard and delete it (one undo step)."""
        if self.copy():
            command = RemoveItemsCommand(
                self.network,
                self.document.view,
                self.scene.selected_node_ids(),
                (),
                self.scene.selected_annotation_ids(),
                text="Cut",
            )
            self.push(command)

    def _insert_fragment(self, fragment: dict, offset: tuple[float, float], text: str) -> None:
        nodes, positions, links, notes = instantiate(fragment, self.network, offset)
        command = InsertNodesCommand(
            self.network, self.document.view, nodes, positions, links, notes, text=text
        )
        self.push(command)
        self.scene.select(command.node_ids, (), command.annotation_ids)

    def paste(self) -> None:
        """Paste nodes from the clipboard (also from another window or SpikeStudio)."""
        text = clipboard_text()
        if not text:
            self.statusBar().showMessage("Nothing to paste: copy some nodes first", 4000)
            return
        try:
            fragment = parse_fragment(text, self.catalog)
        except FragmentError as err:
            self.log(f"Cannot paste: {err}", "warning")
            return
        if text != self._last_paste_text:
            self._last_paste_text = text
            self._paste_count = 0
        self._paste_count += 1
        local = self.view.viewport().mapFromGlobal(self.view.cursor().pos())
        if self.view.viewport().rect().contains(local) and self._paste_count == 1:
            target = self.view.mapToScene(local)
            ox, oy = fragment_origin(fragment)
            offset = (snap(target.x() - ox), snap(target.y() - oy))
        else:
            offset = (PASTE_OFFSET * self._paste_count, PASTE_OFFSET * self._paste_count)
        self._insert_fragment(fragment, offset, "Paste")

    def duplicate(self) -> None:
        """Copy the selection in place, shifted a little (one undo step)."""
        fragment = self._selected_fragment()
        if fragment is None:
            return
        parsed = parse_fragment(fragment_to_json(fragment), self.catalog)
        self._insert_fragment(parsed, (PASTE_OFFSET, PASTE_OFFSET), "Duplicate")

    def add_note(self, scene_pos: QPointF | None = None, text: str = "") -> str:
        """Add a text note at ``scene_pos`` (the view's centre by default) and edit it."""
        pos = scene_pos or self.view.center_scene_pos()
        annotation = make_annotation(text, snap(pos.x() - 110), snap(pos.y() - 45))
        self.push(AddAnnotationCommand(self.document.view, annotation))
        item = self.scene.annotation_item(annotation["id"])
        self.scene.select((), (), [annotation["id"]])
        if not text:
            item.start_editing()
        return annotation["id"]

    def align(self, how: str) -> None:
        """Align or distribute the selected nodes (``left``, ``hcenter``, ``distribute_h``...)."""
        if self.scene is None:
            return
        items = [self.scene.node_item(i) for i in self.scene.selected_node_ids()]
        if len(items) < 2:
            return
        boxes = {i.node_id: (i.pos().x(), i.pos().y(), i.width, i.height) for i in items}
        new: dict[str, tuple[float, float]] = {}
        if how == "left":
            left = min(b[0] for b in boxes.values())
            new = {k: (left, b[1]) for k, b in boxes.items()}
        elif how == "right":
            right = max(b[0] + b[2] for b in boxes.values())
            new = {k: (right - b[2], b[1]) for k, b in boxes.items()}
        elif how == "top":
            top = min(b[1] for b in boxes.values())
            new = {k: (b[0], top) for k, b in boxes.items()}
        elif how == "bottom":
            bottom = max(b[1] + b[3] for b in boxes.values())
            new = {k: (b[0], bottom - b[3]) for k, b in boxes.items()}
        elif how == "hcenter":
            center = sum(b[0] + b[2] / 2 for b in boxes.values()) / len(boxes)
            new = {k: (snap(center - b[2] / 2), b[1]) for k, b in boxes.items()}
        elif how == "vcenter":
            center = sum(b[1] + b[3] / 2 for b in boxes.values()) / len(boxes)
            new = {k: (b[0], snap(center - b[3] / 2)) for k, b in boxes.items()}
        elif how in ("distribute_h", "distribute_v"):
            axis = 0 if how == "distribute_h" else 1
            ordered = sorted(boxes, key=lambda k: boxes[k][axis] + boxes[k][axis + 2] / 2)
            first = boxes[ordered[0]][axis] + boxes[ordered[0]][axis + 2] / 2
            last = boxes[ordered[-1]][axis] + boxes[ordered[-1]][axis + 2] / 2
            gap = (last - first) / (len(ordered) - 1)
            for index, key in enumerate(ordered):
                b = boxes[key]
                center = first + index * gap
                if axis == 0:
                    new[key] = (snap(center - b[2] / 2), b[1])
                else:
                    new[key] = (b[0], snap(center - b[3] / 2))
        moves = {
            k: ((boxes[k][0], boxes[k][1]), v)
            for k, v in new.items()
            if v != (boxes[k][0], boxes[k][1])
        }
        if moves:
            self.push(MoveItemsCommand(self.document.view, moves, text=ALIGN_TITLES[how]))

    def tidy_up(self) -> None:
        """Lay the whole graph out from inputs (left) to outputs (right), as one undo step."""
        if not self.network.nodes:
            return
        view = self.document.view
        old = {n.id: view.position(n.id) or (0.0, 0.0) for n in self.network.nodes}
        ox = min(p[0] for p in old.values())
        oy = sum(p[1] for p in old.values()) / len(old)
        layout = layered_layout(self.network, origin=(ox, snap(oy)))
        moves = {k: (old[k], v) for k, v in layout.items() if old[k] != v}
        if moves:
            self.push(MoveItemsCommand(view, moves, text="Tidy up layout"))
            QTimer.singleShot(0, self.view.fit_to_view)

    # -- files ---------------------------------------------------------------------------------
    def ask_save_changes(self) -> str:
        """Ask what to do with unsaved changes: ``"save"``, ``"discard"`` or ``"cancel"``."""
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Unsaved changes")
        box.setText(f"Save the changes to {self.document.display_name}?")
        box.setInformativeText("Your changes will be lost if you don't save them.")
        box.setStandardButtons(
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel
        )
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        answer = box.exec()
        return {
            QMessageBox.StandardButton.Save: "save",
            QMessageBox.StandardButton.Discard: "discard",
        }.get(QMessageBox.StandardButton(answer), "cancel")

    def maybe_save(self) -> bool:
        """Before the document goes: offer to save; returns ``False`` if the user cancels."""
        if not self.is_modified():
            return True
        answer = self.ask_save_changes()
        if answer == "save":
            return self.save()
        return answer == "discard"

    def ask_open_path(self) -> str | None:
        """Ask for a project file to open (``None`` if cancelled)."""
        path, _ = QFileDialog.getOpenFileName(
            self, "Open project", self.settings.last_directory, FILE_FILTER
        )
        return path or None

    def ask_save_path(self) -> str | None:
        """Ask where to save (``None`` if cancelled); adds the suffix."""
        start = str(
            self.document.path or Path(self.settings.last_directory) / self.document.display_name
        )
        path, _ = QFileDialog.getSaveFileName(self, "Save project as", start, FILE_FILTER)
        if not path:
            return None
        if not path.endswith(PROJECT_SUFFIX):
            path += PROJECT_SUFFIX
        return path

    def new_document(self) -> bool:
        """Replace the document by an empty one (after offering to save)."""
        if not self.maybe_save():
            return False
        self.set_document(Document())
        self.log("New project.")
        return True

    def open_dialog(self) -> bool:
        """File ▸ Open: offer to save, ask for a file, open it."""
        if not self.maybe_save():
            return False
        path = self.ask_open_path()
        return self.open_path(path, ask=False) if path else False

    def open_path(self, path: str | Path, ask: bool = True) -> bool:
        """Open a project file in this window.

        An invalid file, or one from a newer SpikeStudio, leaves the current document as it
        is and shows the problems in a dialog.
        """
        if ask and not self.maybe_save():
            return False
        path = Path(path)
        try:
            project = load_project(path, self.catalog)
        except ProjectFileError as err:
            self.show_file_errors(path, err)
            return False
        self.set_document(Document(project, path))
        self.settings.add_recent_file(path)
        self.settings.last_directory = str(path.resolve().parent)
        self.log(f"Opened {path}.")
        return True

    def show_file_errors(self, path: Path, error: ProjectFileError) -> None:
        """Tell the user why a file cannot be opened (all problems, each with its field)."""
        lines = [str(problem) for problem in error.problems]
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        if isinstance(error, UnsupportedVersionError):
            box.setWindowTitle("Newer project file")
            box.setText(f"{path.name} was written by a newer SpikeStudio.")
        else:
            box.setWindowTitle("Cannot open project")
            count = len(lines)
            box.setText(f"{path.name} cannot be opened: {count} problem{'s' * (count != 1)}.")
        shown = lines[:MAX_SHOWN_PROBLEMS]
        more = len(lines) - len(shown)
        informative = "\n".join(f"• {line}" for line in shown)
        if more:
            informative += f"\n… and {more} more (see Details)"
        box.setInformativeText(informative + "\n\nThe current project was left unchanged.")
        if more:
            box.setDetailedText("\n".join(lines))
        box.setStandardButtons(QMessageBox.StandardButton.Ok)
        for line in lines:
            self.log(f"{path.name}: {line}", "error")
        self.last_error_box = box
        box.open()

    def save(self) -> bool:
        """Save to the document's file (asks for one if it has none)."""
        if self.document.path is None:
            return self.save_as()
        return self.save_to(self.document.path)

    def save_as(self) -> bool:
        """Save under a new name."""
        path = self.ask_save_path()
        return self.save_to(path) if path else False

    def save_to(self, path: str | Path) -> bool:
        """Write the project to ``path`` and make it the document's file."""
        path = Path(path)
        document = self.document
        zoom, center = self.view.camera()
        document.view.set_camera(zoom, center)
        self.about_to_save.emit(document.project)
        if document.path is None or path != document.path:
            document.project.name = path.stem
        try:
            save_project(document.project, path)
        except (OSError, ValueError) as err:
            self.log(f"Could not save {path}: {err}", "error")
            QMessageBox.warning(self, "Save failed", f"Could not save {path.name}:\n{err}")
            return False
        document.path = path
        document.undo_stack.setClean()
        self.autosaver.track(document.project, str(path))
        self.autosaver.mark_changed(False)
        self.settings.add_recent_file(path)
        self.settings.last_directory = str(path.resolve().parent)
        self._update_title()
        self.statusBar().showMessage(f"Saved {path.name}", 4000)
        self.log(f"Saved {path}.")
        return True

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = self.settings.recent_files
        for index, path in enumerate(files):
            action = self.recent_menu.addAction(f"&{index + 1} {Path(path).name}")
            action.setToolTip(path)
            action.setStatusTip(path)
            action.triggered.connect(lambda _=False, p=path: self.open_recent(p))
        if files:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear Menu", self.settings.clear_recent_files)
        else:
            self.recent_menu.addAction("No recent projects").setEnabled(False)

    def open_recent(self, path: str) -> bool:
        """Open a file from the recent list (dropped from the list if it is gone)."""
        if not Path(path).is_file():
            self.settings.remove_recent_file(path)
            self.log(f"{path} no longer exists; removed from the recent files.", "warning")
            return False
        return self.open_path(path)

    def _files_dropped(self, paths: list[str]) -> None:
        if paths:
            self.open_path(paths[0])

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt override)
        if GraphView._project_urls(event):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt override)
        files = GraphView._project_urls(event)
        if files:
            event.acceptProposedAction()
            self.open_path(files[0])

    def export_image(self) -> None:
        """Save a picture of the window as PNG."""
        path, _ = QFileDialog.getSaveFileName(
            self, "Export window image", self.settings.last_directory, "PNG images (*.png)"
        )
        if path:
            self.grab().save(path if path.endswith(".png") else f"{path}.png")

    # -- crash recovery ------------------------------------------------------------------------
    def ask_restore(self, recovery: Recovery) -> str:
        """Ask about one recovery file: ``"restore"``, ``"discard"`` or ``"later"``."""
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Restore unsaved work?")
        box.setText("SpikeStudio did not close properly last time.")
        box.setInformativeText(f"Restore {recovery.describe()}?")
        restore = box.addButton("Restore", QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton("Ask Later", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(restore)
        box.exec()
        clicked = box.clickedButton()
        return "restore" if clicked is restore else "discard" if clicked is discard else "later"

    def offer_recovery(self) -> int:
        """Offer to restore work left by a crashed session; returns how many were restored."""
        restored = 0
        for recovery in find_recoveries(self.settings.recovery_dir):
            answer = self.ask_restore(recovery)
            if answer == "discard":
                discard_recovery(recovery)
                continue
            if answer != "restore":
                continue
            try:
                project = load_project(recovery.path, self.catalog)
            except ProjectFileError as err:
                self.show_file_errors(recovery.path, err)
                continue
            target = (
                self if restored == 0 and not self._has_content() else MainWindow(self.settings)
            )
            document = Document(project, recovery.original)
            target.set_document(document)
            document.undo_stack.resetClean()
            target._update_title()
            target.show()
            discard_recovery(recovery)
            target.log(f"Restored {recovery.describe()}; save it to keep it.")
            restored += 1
        return restored

    def _has_content(self) -> bool:
        return self.is_modified() or bool(self.network.nodes) or self.document.path is not None

    # -- window --------------------------------------------------------------------------------
    def open_new_window(self) -> MainWindow:
        """Open another editor window with an empty project."""
        window = MainWindow(self.settings)
        window.move(self.pos() + QPoint(40, 40))
        window.show()
        return window

    def quit_application(self) -> None:
        """Close every window (each may ask to save; stops if one is kept open)."""
        for window in list(MainWindow.windows):
            if not window.close():
                return

    def reset_layout(self) -> None:
        """Put panels back where they were at first start."""
        self.restoreState(self._default_state)
        self.history_dock.hide()

    def _toggle_history(self, visible: bool) -> None:
        self.history_dock.setVisible(visible)
        if visible:
            self.history_dock.raise_()

    def _toggle_minimap(self, visible: bool) -> None:
        self.view.set_minimap_visible(visible)
        self.settings.show_minimap = visible

    def set_theme(self, name: str) -> None:
        """Switch between the ``"light"`` and ``"dark"`` themes (remembered)."""
        apply_theme(name)
        self.settings.theme = name
        self.menu_actions.refresh_icons()
        self.menu_actions.dark_theme.setChecked(name == "dark")
        self.check_problems()

    def show_preferences(self) -> None:
        """Show the preferences dialog and apply what was chosen."""
        dialog = PreferencesDialog(self.settings, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.set_theme(dialog.theme.currentData())
        self.settings.autosave_interval_s = dialog.autosave.value()
        self.settings.simulation_threads = dialog.threads.value()
        for window in MainWindow.windows:
            window.autosaver.set_interval(self.settings.autosave_interval_s)

    def show_getting_started(self) -> None:
        """Show the short how-to."""
        box = QMessageBox(self)
        box.setWindowTitle("Getting started")
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setText(GETTING_STARTED)
        box.open()

    def show_about(self) -> None:
        """Show version and credits."""
        QMessageBox.about(
            self,
            "About SpikeStudio",
            f"<h3>SpikeStudio {__version__}</h3><p>Build spiking neural networks by drawing "
            "them, simulate them live, and see how they map onto neuromorphic hardware.</p>",
        )

    def start_kernel_warmup(self) -> threading.Thread:
        """Compile the simulation kernels in the background so the first run starts at once."""

        def work() -> None:
            try:
                # imported here: numba's import would delay the window by ~0.3 s
                from engine.sim.simulator import warm_up_kernels

                seconds = warm_up_kernels()
            except Exception as err:  # the editor works without the simulator
                self.log_from_thread(f"Simulation kernels could not be prepared: {err}", "warning")
                return
            self.log_from_thread(f"Simulation kernels ready ({seconds:.1f} s).")

        thread = threading.Thread(target=work, name="kernel-warmup", daemon=True)
        thread.start()
        return thread

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        if self.document is None:  # already closed
            event.accept()
            return
        if not self.maybe_save():
            event.ignore()
            return
        if self.persist_window_state:
            self.settings.save_window_state(self.saveGeometry(), self.saveState())
            self.settings.sync()
        self.autosaver.stop()
        self.simulation.shutdown()
        self.hardware_panel.shutdown()
        self.quick_add.hide()
        self._detach_document(self.document)
        self.document = None
        self.inspector.detach()
        if self in MainWindow.windows:
            MainWindow.windows.remove(self)
        event.accept()


def run(
    path: str | None,
    screenshot: str | None = None,
    settings: AppSettings | None = None,
    run_ms: float | None = None,
) -> int:
    """Start the editor, optionally on a project; with ``screenshot`` render it to PNG and exit.

    Parameters
    ----------
    path
        Project file to open, or ``None`` for an empty project.
    screenshot
        PNG file to write; the window is rendered (offscreen works) and the function returns
        without running the event loop.
    settings
        Settings to use (the user's by default).
    run_ms
        Simulate this much biological time in the window first (with ``screenshot``: then
        render the window with its live plots and exit).

    Returns
    -------
    int
        0 on success; 1 if the project cannot be opened or the screenshot not written.
    """
    app = QApplication.instance()
    if app is None:
        # fractional scale factors (150 %) as they are, rather than rounded to whole numbers
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
        )
        app = QApplication(sys.argv[:1])
    app.setApplicationName("SpikeStudio")
    app.aboutToQuit.connect(release_clipboard)
    app.setOrganizationName("SpikeStudio")
    app.setApplicationVersion(__version__)
    app.setWindowIcon(app_icon())
    window = MainWindow(settings)
    window.persist_window_state = screenshot is None
    if path is not None:
        try:
            project = load_project(path, window.catalog)
        except ProjectFileError as err:
            print(f"spikestudio: cannot open {path}:", file=sys.stderr)
            for problem in err.problems:
                print(f"  {problem}", file=sys.stderr)
            if screenshot is not None:
                window.close()
                return 1
            window.show_file_errors(Path(path), err)
        else:
            window.set_document(Document(project, path))
            if screenshot is None:
                window.settings.add_recent_file(path)
    if screenshot is not None:
        window.resize(*DEFAULT_SIZE)
        window.show()
        app.processEvents()
        window.view.fit_to_view()
        app.processEvents()
        if run_ms is not None:
            simulation = window.simulation
            failed: list[str] = []
            simulation.run_failed.connect(failed.append)
            simulation.run(duration_ms=run_ms)
            wait_for(lambda: simulation.state == "finished", timeout_s=max(60.0, run_ms / 50))
            simulation.panel.redraw()
            app.processEvents()
            if failed:
                print(f"spikestudio: the simulation stopped: {failed[0]}", file=sys.stderr)
        wait_for(lambda: not window.hardware_panel.is_mapping(), timeout_s=120.0)
        app.processEvents()
        ok = window.grab().save(screenshot)
        window.close()
        if not ok:
            print(f"spikestudio: could not write {screenshot}", file=sys.stderr)
            return 1
        return 0
    window.show()
    QTimer.singleShot(0, window.offer_recovery)
    if run_ms is not None:
        QTimer.singleShot(300, lambda: window.simulation.run(duration_ms=run_ms))
    QTimer.singleShot(200, window.start_kernel_warmup)
    return app.exec()
