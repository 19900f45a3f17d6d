"""report.png: drawn offscreen, a real PNG with visible content, for full and for bare runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.headless import run_project
from app.report import _envelope, _nice_ticks, _spread, draw_report
from engine.io.project_file import save_project
from engine.io.results import RunRecord
from engine.model.project import Project
from engine.sim.simulator import Simulator

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

pytestmark = pytest.mark.gui


def full_project() -> Project:
    """Poisson 50 -> LIF 20 (STDP), spikes, membrane potential and weights recorded."""
    project = Project(name="Report test")
    net = project.network
    net.set_setting("duration_ms", 400.0)
    source = net.add_node("encoder.poisson", "Input", {"size": 50, "rate_hz": 40.0})
    exc = net.add_node("population.lif", "Excitatory", {"size": 20})
    plastic = net.connect_groups(source.id, exc.id, {"weight": 160.0, "p": 0.5})
    rule = net.add_node("plasticity.stdp_pair", "STDP")
    net.add_link(rule.id, "out", plastic.id, "plasticity")
    spikes = net.add_node("recorder.spikes", "Spikes")
    net.add_link(source.id, "out", spikes.id, "source")
    net.add_link(exc.id, "out", spikes.id, "source")
    vm = net.add_node("recorder.state", "Vm", {"neurons": [0, 1, 2]})
    net.add_link(exc.id, "out", vm.id, "source")
    return project


def load_image(path: Path):
    from PySide6.QtGui import QImage

    image = QImage(str(path))
    assert not image.isNull(), f"{path} is not an image Qt can read"
    return image


def pixels(image) -> np.ndarray:
    """The image as an (h, w, 4) uint8 array."""
    from PySide6.QtGui import QImage

    rgba = image.convertToFormat(QImage.Format.Format_RGBA8888)
    data = np.frombuffer(rgba.constBits(), dtype=np.uint8, count=rgba.sizeInBytes())
    rows = data.reshape(rgba.height(), rgba.bytesPerLine())[:, : 4 * rgba.width()]
    # copy while ``rgba`` still owns the memory
    return rows.reshape(rgba.height(), rgba.width(), 4).copy()


@pytest.fixture(scope="module")
def report_path(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    save_project(full_project(), folder / "full.snnproj")
    run_project(folder / "full.snnproj", out_dir=folder / "out", quiet=True)
    return folder / "out" / "report.png"


def test_report_is_a_png_of_reasonable_size(report_path: Path) -> None:
    assert report_path.read_bytes()[:8] == PNG_SIGNATURE
    assert 20_000 < report_path.stat().st_size < 5_000_000
    image = load_image(report_path)
    assert image.width() == 1600
    assert 900 <= image.height() <= 2000


def test_report_is_not_blank(report_path: Path) -> None:
    rgb = pixels(load_image(report_path))[:, :, :3].astype(float)
    assert rgb.std() > 10
    # coloured content (raster ticks, rate lines), not only black text on white
    saturation = rgb.max(axis=2) - rgb.min(axis=2)
    assert (saturation > 80).mean() > 0.005


def test_raster_uses_group_colours(report_path: Path) -> None:
    rgb = pixels(load_image(report_path))[:, :, :3].astype(int)
    blue = np.array([0x1F, 0x77, 0xB4])  # first group
    red = np.array([0xD6, 0x27, 0x28])  # second group
    for colour in (blue, red):
        assert (np.abs(rgb - colour).sum(axis=2) < 12).sum() > 200


def test_report_without_recorders_or_spikes(tmp_path: Path) -> None:
    project = Project(name="Silent")
    project.network.add_node("population.lif", "Alone", {"size": 5})
    simulator = Simulator(project.network)
    record = RunRecord(simulator, project.name)
    record.append(simulator.advance(500))
    path = tmp_path / "report.png"
    draw_report(record, path)
    image = load_image(path)
    assert image.width() == 1600
    assert pixels(image)[:, :, :3].std() > 5  # title, axes and the "no recorder" note


def test_report_of_empty_run(tmp_path: Path) -> None:
    save_project(full_project(), tmp_path / "p.snnproj")
    project_path = tmp_path / "p.snnproj"
    from engine.io.project_file import load_project

    simulator = Simulator(load_project(project_path).network)
    record = RunRecord(simulator, "Empty")
    draw_report(record, tmp_path / "report.png")
    assert (tmp_path / "report.png").read_bytes()[:8] == PNG_SIGNATURE


def test_nice_ticks() -> None:
    assert _nice_ticks(0, 1000) == [0, 200, 400, 600, 800, 1000]
    assert _nice_ticks(-70.5, -54.9) == [-70, -65, -60, -55]
    assert _nice_ticks(0, 0.9) == [0, 0.2, 0.4, 0.6, 0.8]
    assert _nice_ticks(5, 5) == [5]


def test_envelope_keeps_extremes() -> None:
    xs = np.linspace(0, 1000, 100_001)
    ys = np.sin(xs)
    ys[50_000] = 40.0  # a one-sample spike must survive the reduction
    ex, ey = _envelope(xs, ys, 500)
    assert ex.size <= 1000
    assert ey.max() == 40.0 and ey.min() == ys.min()


def test_labels_spread_apart() -> None:
    placed = _spread([100.0, 105.0, 300.0], 40.0, 0.0, 400.0)
    assert placed[1] - placed[0] >= 40 and placed[2] == 300.0
    crowded = _spread([395.0, 398.0], 40.0, 0.0, 400.0)
    assert crowded[1] <= 400.0 and crowded[1] - crowded[0] >= 40
