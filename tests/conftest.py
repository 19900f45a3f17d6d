"""Shared pytest configuration for SpikeStudio."""

import os
import sys

import pytest

# Must run before anything imports Qt: tests never need a real display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _empty_clipboard_after_test():
    """Leave no data of ours on the clipboard: Qt's offscreen clipboard still holding our
    QMimeData when the interpreter exits crashes the process after the tests have passed."""
    yield
    if "PySide6.QtGui" not in sys.modules:
        return
    from PySide6.QtGui import QGuiApplication

    if QGuiApplication.instance() is not None:
        QGuiApplication.clipboard().clear()
