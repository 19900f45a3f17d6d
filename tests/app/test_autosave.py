"""Autosave to a recovery file, and crash recovery (tested by killing a running editor)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from app.autosave import Autosaver, find_recoveries
from app.main_window import MainWindow
from app.settings import AppSettings
from engine.io.project_file import load_project
from engine.model.project import Project

ROOT = Path(__file__).resolve().parents[2]

EDITOR_SCRIPT = """
import sys
from PySide6.QtWidgets import QApplication
from app.main_window import MainWindow
from app.settings import AppSettings

app = QApplication([])
settings = AppSettings(sys.argv[1])
settings.autosave_interval_s = 0.2
window = MainWindow(settings)
window.show()
window.add_node("population.lif", (0.0, 0.0))
window.rename_node(window.network.nodes[0].id, "Unsaved work")
print("edited", flush=True)
app.exec()
"""


def test_autosaver_writes_only_unsaved_changes(qtbot, tmp_path) -> None:
    saver = Autosaver(tmp_path / "recovery", interval_s=0)
    project = Project()
    project.network.add_node("population.lif", "A")
    saver.track(project, None)
    assert not saver.save_now()  # nothing changed yet
    saver.mark_changed(True)
    with qtbot.waitSignal(saver.saved):
        assert saver.save_now()
    assert load_project(saver.path).network.node_by_name("A")
    meta = json.loads(saver.meta_path.read_text())
    assert meta["pid"] == os.getpid() and meta["original"] is None
    # our own process is alive: its file is not offered for recovery
    assert find_recoveries(tmp_path / "recovery") == []
    saver.mark_changed(False)  # saved by the user: the recovery file goes
    assert not saver.path.exists()


def test_autosave_runs_on_its_timer(qtbot, tmp_path) -> None:
    saver = Autosaver(tmp_path, interval_s=0.05)
    saver.track(Project(), "/some/file.snnproj")
    saver.mark_changed(True)
    with qtbot.waitSignal(saver.saved, timeout=3000):
        pass
    saver.stop()
    assert not saver.path.exists()


def test_a_clean_close_leaves_no_recovery_file(qtbot, tmp_path) -> None:
    settings = AppSettings(tmp_path / "settings.ini")
    settings.autosave_interval_s = 0
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.add_node("population.lif", (0.0, 0.0))
    assert window.autosaver.save_now()
    window.ask_save_changes = lambda: "discard"
    assert window.close()
    assert list(settings.recovery_dir.glob("*")) == []


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_killed_editor_is_recovered_on_next_start(qtbot, tmp_path) -> None:
    settings_path = tmp_path / "settings.ini"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", EDITOR_SCRIPT, str(settings_path)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    recovery_dir = AppSettings(settings_path).recovery_dir
    try:
        line = proc.stdout.readline().strip()
        assert line == "edited", proc.stderr.read() if proc.poll() is not None else line
        # generous: on a loaded machine the editor process may be slow
        qtbot.waitUntil(lambda: any(recovery_dir.glob("recovery-*.json")), timeout=60000)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=20)
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL

    assert any(recovery_dir.glob("recovery-*.snnproj"))
    (recovery,) = find_recoveries(recovery_dir)
    assert recovery.pid == proc.pid
    window = MainWindow(AppSettings(settings_path))
    qtbot.addWidget(window)
    window.ask_save_changes = lambda: "discard"
    asked: list[str] = []
    window.ask_restore = lambda r: asked.append(r.describe()) or "restore"
    assert window.offer_recovery() == 1
    assert "an unsaved project" in asked[0]
    assert [n.name for n in window.network.nodes] == ["Unsaved work"]
    assert window.isWindowModified()  # restored work is not saved yet
    assert find_recoveries(recovery_dir) == []


def test_discarding_a_recovery_deletes_it(qtbot, tmp_path) -> None:
    folder = tmp_path / "recovery"
    saver = Autosaver(folder, interval_s=0)
    saver.track(Project(), None)
    saver.mark_changed(True)
    saver.save_now()
    # pretend the file belongs to a process that is gone
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    ).stdout.strip()
    meta = json.loads(saver.meta_path.read_text())
    saver.meta_path.write_text(json.dumps({**meta, "pid": int(dead)}))
    settings = AppSettings(tmp_path / "settings.ini")
    settings.recovery_dir = folder
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.ask_restore = lambda r: "discard"
    assert window.offer_recovery() == 0
    assert find_recoveries(folder) == []
    assert not saver.path.exists()
