"""Shared fixtures of the app tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from app.main_window import MainWindow
from app.settings import AppSettings


@pytest.fixture
def new_window(qtbot) -> Callable[[AppSettings | Path], MainWindow]:
    """Makes main windows sized for the tests, closed by qtbot, that discard unsaved changes
    instead of asking."""

    def make(settings: AppSettings | Path) -> MainWindow:
        if not isinstance(settings, AppSettings):
            settings = AppSettings(settings)
        window = MainWindow(settings)
        window.ask_save_changes = lambda: "discard"
        qtbot.addWidget(window)
        window.resize(1400, 900)
        return window

    return make
