"""Fixtures for the widget tests: a small document."""

from __future__ import annotations

import pytest

from engine.model.network import Network
from engine.model.project import Project
from widgets.view_state import ViewState


@pytest.fixture
def project() -> Project:
    """Poisson input -> projection -> LIF, placed left to right."""
    project = Project()
    network = project.network
    source = network.add_node("encoder.poisson", "Input", {"size": 20})
    target = network.add_node("population.lif", "Exc", {"size": 30})
    projection = network.connect_groups(source.id, target.id)
    project.view["positions"] = {
        source.id: [0.0, 0.0],
        projection.id: [260.0, 0.0],
        target.id: [480.0, 0.0],
    }
    return project


@pytest.fixture
def network(project: Project) -> Network:
    return project.network


@pytest.fixture
def view_state(project: Project) -> ViewState:
    return ViewState(project.view)
