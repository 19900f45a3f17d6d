"""Autosave to a recovery file, and crash recovery on the next start.

While a window has unsaved changes, its document is written every minute (by default) to
``recovery-<pid>-<n>.snnproj`` in the recovery folder, next to a small JSON note saying which
file it belongs to. A clean close deletes both. If the process dies instead, the files stay;
the next start finds recovery files whose process is gone and offers to restore them.
"""

from __future__ import annotations

import itertools
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from engine.io.project_file import save_project
from engine.model.project import Project

PREFIX = "recovery-"
_counter = itertools.count(1)


@dataclass(frozen=True)
class Recovery:
    """A recovery file left behind by a process that is gone."""

    path: Path
    original: str | None
    saved_at: float
    pid: int

    def describe(self) -> str:
        """A line for the restore question: file name and time of the autosave."""
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.saved_at))
        name = Path(self.original).name if self.original else "an unsaved project"
        return f"{name} (autosaved {when})"


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def find_recoveries(folder: Path) -> list[Recovery]:
    """Recovery files in ``folder`` whose writing process no longer runs, newest first."""
    if not folder.is_dir():
        return []
    found = []
    for meta_path in folder.glob(f"{PREFIX}*.json"):
        project_path = meta_path.with_suffix(".snnproj")
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            pid = int(meta["pid"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if not project_path.is_file() or _pid_alive(pid):
            continue
        original = meta.get("original")
        found.append(
            Recovery(
                project_path,
                original if isinstance(original, str) else None,
                float(meta.get("saved_at", project_path.stat().st_mtime)),
                pid,
            )
        )
    return sorted(found, key=lambda r: r.saved_at, reverse=True)


def discard_recovery(recovery: Recovery) -> None:
    """Delete a recovery file and its note."""
    recovery.path.unlink(missing_ok=True)
    recovery.path.with_suffix(".json").unlink(missing_ok=True)


class Autosaver(QObject):
    """Writes a window's document to its recovery file on a timer, while it has changes.

    Parameters
    ----------
    folder
        Recovery folder (created when first needed).
    interval_s
        Seconds between autosaves; 0 turns autosave off.
    """

    #: A recovery file was written (its path).
    saved = Signal(str)
    #: Writing failed (the message).
    failed = Signal(str)

    def __init__(self, folder: Path, interval_s: float = 60.0, parent: QObject | None = None):
        super().__init__(parent)
        self.folder = Path(folder)
        stem = f"{PREFIX}{os.getpid()}-{next(_counter)}"
        self.path = self.folder / f"{stem}.snnproj"
        self.meta_path = self.folder / f"{stem}.json"
        self._project: Project | None = None
        self._original: str | None = None
        self._pending = False
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.save_now)
        self.set_interval(interval_s)

    def set_interval(self, interval_s: float) -> None:
        """Autosave every ``interval_s`` seconds (0: never)."""
        self.timer.stop()
        if interval_s > 0:
            self.timer.start(int(interval_s * 1000))

    def track(self, project: Project, original: str | None) -> None:
        """Autosave ``project`` (which belongs to file ``original``) from now on."""
        self._project = project
        self._original = original

    def mark_changed(self, changed: bool = True) -> None:
        """The document has unsaved changes (``False``: it was saved or reverted)."""
        self._pending = changed
        if not changed:
            self.clear()

    def save_now(self) -> bool:
        """Write the recovery file if there are unsaved changes; returns whether it wrote."""
        if not self._pending or self._project is None:
            return False
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            save_project(self._project, self.path)
            meta = {"pid": os.getpid(), "original": self._original, "saved_at": time.time()}
            self.meta_path.write_text(json.dumps(meta), encoding="utf-8")
        except (OSError, ValueError) as err:
            self.failed.emit(str(err))
            return False
        self.saved.emit(str(self.path))
        return True

    def clear(self) -> None:
        """Delete this window's recovery file (after a save, or on a clean close)."""
        self.path.unlink(missing_ok=True)
        self.meta_path.unlink(missing_ok=True)

    def stop(self) -> None:
        """Stop autosaving and delete the recovery file (clean close)."""
        self.timer.stop()
        self.clear()
