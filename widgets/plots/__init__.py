"""Live simulation plots (pyqtgraph): raster, state traces, rates, weights, and their panel."""

from widgets.plots.base import LivePlot, RunInfo
from widgets.plots.panel import PlotsPanel
from widgets.plots.raster import RasterPlot
from widgets.plots.rates import RatePlot
from widgets.plots.traces import TracePlot
from widgets.plots.weights import WeightPlot

__all__ = [
    "LivePlot",
    "PlotsPanel",
    "RasterPlot",
    "RatePlot",
    "RunInfo",
    "TracePlot",
    "WeightPlot",
]
