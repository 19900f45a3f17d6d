"""Shared pytest configuration for SpikeStudio."""

import os
import sys

import pytest

# Must run before anything imports Qt: tests never need a real display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The tests load NEST and our kernels in one process: Numba's OpenMP threading layer and the
# OpenMP runtime of NEST's wheel then crash NEST (docs/engine.md, "Parallel mode"). The
# workqueue layer gives the same results, slower; the parallel mode's speed is measured by
# `make bench`, never here.
os.environ.setdefault("NUMBA_THREADING_LAYER", "workqueue")


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
