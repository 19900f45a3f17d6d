"""The hardware panel: a design mapped onto an emulated neuromorphic chip (issue #7).

:class:`~widgets.hardware.panel.HardwarePanel` composes the core grid, the violations table,
the energy chart and the comparison dialog; the Qt-free work is done by :mod:`hardware`.
"""
