"""The main window's actions: text, shortcut, icon and status tip of every menu and tool-bar entry.

Actions are created here and connected in :mod:`app.main_window`. The simulation actions
(Run, Pause, Step, Stop) are created disabled; the live-simulation code enables and connects
them.
"""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from widgets.icons import icon

Key = QKeySequence.StandardKey

#: name: (text, shortcut(s), icon, status tip)
ACTION_SPECS: dict[str, tuple[str, object, str | None, str]] = {
    "new": ("&New", Key.New, "new", "Start a new, empty project"),
    "new_window": ("New &Window", "Ctrl+Shift+N", "new-window", "Open another editor window"),
    "open": ("&Open…", Key.Open, "open", "Open a project file"),
    "save": ("&Save", Key.Save, "save", "Save the project"),
    "save_as": ("Save &As…", Key.SaveAs, "save-as", "Save the project under a new name"),
    "close": ("&Close", Key.Close, "close", "Close this window"),
    "export_image": ("Export Canvas &Image…", None, "screenshot", "Save the window as a PNG"),
    "quit": ("&Quit", [Key.Quit, "Ctrl+Q"], "quit", "Quit SpikeStudio"),
    "undo": ("&Undo", Key.Undo, "undo", "Undo the last edit"),
    "redo": ("&Redo", Key.Redo, "redo", "Redo the edit just undone"),
    "cut": ("Cu&t", Key.Cut, "cut", "Cut the selection to the clipboard"),
    "copy": ("&Copy", Key.Copy, "copy", "Copy the selection to the clipboard"),
    "paste": ("&Paste", Key.Paste, "paste", "Paste nodes from the clipboard"),
    "duplicate": ("&Duplicate", "Ctrl+D", "duplicate", "Duplicate the selection"),
    "delete": ("De&lete", [Key.Delete, "Backspace"], "delete", "Delete the selection"),
    "select_all": ("Select &All", Key.SelectAll, "select-all", "Select everything"),
    "rename": ("Re&name Node", "F2", "rename", "Rename the selected node"),
    "quick_add": ("&Add Node…", "Ctrl+K", "add-node", "Search and add a node at the cursor"),
    "add_note": ("Add &Note", "Ctrl+Shift+M", "comment", "Add a text note to the canvas"),
    "align_left": ("Align &Left", None, "align-left", "Align the selected nodes' left edges"),
    "align_right": ("Align &Right", None, "align-right", "Align the selected nodes' right edges"),
    "align_top": ("Align &Top", None, "align-top", "Align the selected nodes' top edges"),
    "align_bottom": ("Align &Bottom", None, "align-bottom", "Align the bottom edges"),
    "align_hcenter": (
        "Align Centers &Vertically",
        None,
        "align-hcenter",
        "Put the selected nodes in one column",
    ),
    "align_vcenter": (
        "Align Centers &Horizontally",
        None,
        "align-vcenter",
        "Put the selected nodes in one row",
    ),
    "distribute_h": (
        "Distribute Hori&zontally",
        None,
        "distribute-h",
        "Space the selected nodes evenly from left to right",
    ),
    "distribute_v": (
        "Distribute Verti&cally",
        None,
        "distribute-v",
        "Space the selected nodes evenly from top to bottom",
    ),
    "tidy": ("&Tidy Up Layout", "Ctrl+Shift+L", "tidy", "Lay the graph out from inputs to outputs"),
    "history": ("&History", "Ctrl+Shift+H", "history", "Show the list of edits (undo history)"),
    "zoom_in": ("Zoom &In", [Key.ZoomIn, "Ctrl+="], "zoom-in", "Zoom in"),
    "zoom_out": ("Zoom &Out", Key.ZoomOut, "zoom-out", "Zoom out"),
    "zoom_fit": ("&Fit to Window", "Ctrl+0", "zoom-fit", "Show the whole graph"),
    "zoom_reset": ("&Actual Size", "Ctrl+1", "zoom-reset", "Zoom to 100 %"),
    "minimap": ("&Overview Map", "Ctrl+Shift+O", "minimap", "Show the overview map"),
    "dark_theme": ("&Dark Theme", "Ctrl+Shift+T", "theme", "Switch between light and dark"),
    "reset_layout": ("&Reset Panel Layout", None, "layout", "Put the panels back in place"),
    "hardware_panel": (
        "&Hardware Panel",
        "Ctrl+Alt+H",
        None,
        "Show the hardware panel: map the design onto a neuromorphic chip",
    ),
    "run": ("&Run", "F5", "run", "Run the simulation"),
    "pause": ("&Pause", "F6", "pause", "Pause the simulation"),
    "step": ("&Step", "F10", "step", "Advance the simulation by one chunk"),
    "step_dt": ("Step One &dt", "Shift+F10", "step", "Advance the simulation by one time step"),
    "stop": ("S&top", "Shift+F5", "stop", "Stop the simulation"),
    "preferences": ("&Preferences…", [Key.Preferences, "Ctrl+,"], "preferences", "Change settings"),
    "getting_started": ("&Getting Started", Key.HelpContents, "help", "How to build a network"),
    "about": ("&About SpikeStudio", None, "about", "Version and credits"),
}

CHECKABLE = {"history", "minimap", "dark_theme"}
SIMULATION = ("run", "pause", "step", "step_dt", "stop")


class Actions:
    """Every action of a main window, as attributes named like :data:`ACTION_SPECS` keys."""

    def __init__(self, parent: QWidget) -> None:
        self._actions: dict[str, QAction] = {}
        for name, (text, shortcut, icon_name, tip) in ACTION_SPECS.items():
            action = QAction(text, parent)
            action.setObjectName(f"action_{name}")
            if icon_name:
                action.setIcon(icon(icon_name))
            if shortcut is not None:
                shortcuts = shortcut if isinstance(shortcut, list) else [shortcut]
                keys: list[QKeySequence] = []
                for item in shortcuts:
                    if isinstance(item, Key):
                        keys.extend(QKeySequence.keyBindings(item))
                    else:
                        keys.append(QKeySequence(item))
                unique = list({key.toString(): key for key in keys}.values())
                action.setShortcuts(unique)
            tip_text = tip
            if action.shortcut().toString():
                tip_text = (
                    f"{tip} ({action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)})"
                )
            action.setStatusTip(tip)
            action.setToolTip(tip_text)
            action.setCheckable(name in CHECKABLE)
            self._actions[name] = action
            setattr(self, name, action)
        self.preferences.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.about.setMenuRole(QAction.MenuRole.AboutRole)
        self.quit.setMenuRole(QAction.MenuRole.QuitRole)
        for name in SIMULATION:
            self._actions[name].setEnabled(False)

    def __getitem__(self, name: str) -> QAction:
        return self._actions[name]

    def all(self) -> dict[str, QAction]:
        """Every action by name."""
        return dict(self._actions)

    def refresh_icons(self) -> None:
        """Re-tint icons after a theme change."""
        for name, (_, _, icon_name, _) in ACTION_SPECS.items():
            if icon_name:
                self._actions[name].setIcon(icon(icon_name))
