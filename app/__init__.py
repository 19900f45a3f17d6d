"""The SpikeStudio application: the desktop window, the command line and headless runs.

Importing this package imports nothing else, so that ``spikestudio run`` stays free of Qt.
"""
