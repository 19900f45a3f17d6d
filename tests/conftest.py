"""Shared pytest configuration for SpikeStudio."""

import os

# Must run before anything imports Qt: tests never need a real display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
