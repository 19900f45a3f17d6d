"""Wires the hardware panel into a main window: the document it maps, the canvas selection it
drives, and the simulation whose spikes it prices."""

from __future__ import annotations

from widgets.hardware.panel import HardwarePanel


def attach_hardware_panel(window) -> HardwarePanel:
    """Put a :class:`HardwarePanel` in ``window``'s Hardware dock and connect it.

    Clicking a core selects the nodes of its slices in the canvas; activating a violation
    selects its node and centres the view on it; chunks of a running simulation update the
    energy chart. The chosen profile, metric and time base are kept in the project's view state
    (``view["hardware"]``), like the plots' choices.
    """
    panel = HardwarePanel()
    window.set_hardware_widget(panel)
    panel.nodes_selected.connect(window.select_nodes)
    panel.node_activated.connect(window.focus_node)

    def project_changed(project) -> None:
        panel.restore_choices(project.view.get("hardware", {}))
        panel.set_network(project.network)

    def choices_changed(choices: dict) -> None:
        if window.document is not None:
            window.document.project.view["hardware"] = choices

    window.project_changed.connect(project_changed)
    panel.choices_changed.connect(choices_changed)
    simulation = window.simulation
    simulation.run_started.connect(panel.start_run)
    simulation.chunk_received.connect(panel.append_chunk)
    simulation.run_finished.connect(lambda *_: panel.finish_run())
    window.menu_actions.hardware_panel.triggered.connect(window.show_hardware_panel)
    project_changed(window.document.project)
    return panel
