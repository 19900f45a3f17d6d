"""User preferences and window state, kept with :class:`QSettings`.

Everything the application remembers between sessions goes through :class:`AppSettings`:
theme, recent files, autosave interval, window geometry and dock layout. Tests (and anyone who
wants a separate profile) point it at an INI file with ``AppSettings(path)`` or the
``SPIKESTUDIO_SETTINGS`` environment variable, so the real user configuration is never touched.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, QStandardPaths

ORGANIZATION = "SpikeStudio"
APPLICATION = "SpikeStudio"
SETTINGS_ENV = "SPIKESTUDIO_SETTINGS"
MAX_RECENT = 10
DEFAULT_AUTOSAVE_S = 60


class AppSettings:
    """Typed access to the application's settings.

    Parameters
    ----------
    path
        INI file to use; by default ``$SPIKESTUDIO_SETTINGS`` if set, else the platform's
        user settings for SpikeStudio.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        path = path or os.environ.get(SETTINGS_ENV)
        if path:
            self.qsettings = QSettings(str(path), QSettings.Format.IniFormat)
            self.path: Path | None = Path(path)
        else:
            self.qsettings = QSettings(ORGANIZATION, APPLICATION)
            self.path = None

    def _get(self, key: str, default, kind=None):
        value = self.qsettings.value(key, default)
        if kind is None or value is None:
            return value
        try:
            return kind(value)
        except (TypeError, ValueError):
            return default

    # -- preferences ---------------------------------------------------------------------------
    @property
    def theme(self) -> str:
        """``"light"`` or ``"dark"``."""
        value = self._get("appearance/theme", "light", str)
        return value if value in ("light", "dark") else "light"

    @theme.setter
    def theme(self, value: str) -> None:
        self.qsettings.setValue("appearance/theme", value)

    @property
    def autosave_interval_s(self) -> float:
        """Seconds between autosaves of unsaved changes to the recovery file (0: off)."""
        return max(0.0, self._get("autosave/interval_s", DEFAULT_AUTOSAVE_S, float))

    @autosave_interval_s.setter
    def autosave_interval_s(self, value: float) -> None:
        self.qsettings.setValue("autosave/interval_s", float(value))

    @property
    def simulation_threads(self) -> int:
        """Threads a run uses (the engine's parallel mode; 1 runs on one thread)."""
        cores = os.cpu_count() or 1
        return min(max(1, self._get("simulation/threads", 1, int)), cores)

    @simulation_threads.setter
    def simulation_threads(self, value: int) -> None:
        self.qsettings.setValue("simulation/threads", int(value))

    @property
    def recovery_dir(self) -> Path:
        """Folder of recovery files (next to the settings file when one was given)."""
        custom = self._get("autosave/recovery_dir", "", str)
        if custom:
            return Path(custom)
        if self.path is not None:
            return self.path.parent / "recovery"
        base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
        return Path(base or Path.home() / ".spikestudio") / "recovery"

    @recovery_dir.setter
    def recovery_dir(self, value: str | os.PathLike[str]) -> None:
        self.qsettings.setValue("autosave/recovery_dir", str(value))

    @property
    def show_minimap(self) -> bool:
        """Whether the overview map is shown when the graph does not fit."""
        return self._get("canvas/minimap", "true", str).lower() in ("true", "1")

    @show_minimap.setter
    def show_minimap(self, value: bool) -> None:
        self.qsettings.setValue("canvas/minimap", "true" if value else "false")

    # -- recent files --------------------------------------------------------------------------
    @property
    def recent_files(self) -> list[str]:
        """Most recently opened or saved projects, newest first."""
        value = self.qsettings.value("files/recent", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or []) if v]

    def add_recent_file(self, path: str | os.PathLike[str]) -> None:
        """Put ``path`` at the top of the recent files."""
        path = str(Path(path).resolve())
        files = [f for f in self.recent_files if f != path]
        self.qsettings.setValue("files/recent", [path, *files][:MAX_RECENT])

    def remove_recent_file(self, path: str) -> None:
        """Forget one recent file."""
        self.qsettings.setValue("files/recent", [f for f in self.recent_files if f != path])

    def clear_recent_files(self) -> None:
        """Forget all recent files."""
        self.qsettings.setValue("files/recent", [])

    @property
    def last_directory(self) -> str:
        """Folder of the last file dialog."""
        return self._get("files/last_directory", str(Path.home()), str)

    @last_directory.setter
    def last_directory(self, value: str) -> None:
        self.qsettings.setValue("files/last_directory", value)

    # -- window --------------------------------------------------------------------------------
    def window_state(self) -> tuple[QByteArray | None, QByteArray | None]:
        """Saved ``(geometry, dock layout)`` of the main window, or ``None`` each."""
        geometry = self.qsettings.value("window/geometry")
        state = self.qsettings.value("window/state")
        return (
            geometry if isinstance(geometry, QByteArray) else None,
            state if isinstance(state, QByteArray) else None,
        )

    def save_window_state(self, geometry: QByteArray, state: QByteArray) -> None:
        """Remember window geometry and dock layout."""
        self.qsettings.setValue("window/geometry", geometry)
        self.qsettings.setValue("window/state", state)

    def clear_window_state(self) -> None:
        """Forget window geometry and dock layout."""
        self.qsettings.remove("window/geometry")
        self.qsettings.remove("window/state")

    def sync(self) -> None:
        """Write pending changes to disk."""
        self.qsettings.sync()
