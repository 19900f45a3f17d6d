"""SpikeStudio's Qt-free core: the network document, project files and the simulation engine."""

__version__ = "0.1.0"
