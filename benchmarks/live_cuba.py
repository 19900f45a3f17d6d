"""GUI speed benchmark: the CUBA network running live in the editor with raster, rates and
10 membrane traces on screen.

Measures, while the simulation runs as fast as it can:

- the real-time factor (simulated time / wall time spent running),
- the plots' redraw rate (frames per second of the Plots panel timer),
- the GUI thread's event latency: a 10 ms ``QTimer`` probe records how late each tick fires;
  the 99th percentile is reported.

The network is built in memory with ``make_networks.cuba(n)`` (plus a State recorder of 10
excitatory neurons); nothing is written to ``benchmarks/networks``.

    QT_QPA_PLATFORM=offscreen python benchmarks/live_cuba.py [--neurons 20000] [--ms 3000]
        [--screenshot out.png] [--json out.json] [--threads N] [--speed RATIO]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import make_networks  # noqa: E402
import numpy as np  # noqa: E402
from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.main_window import Document, MainWindow  # noqa: E402
from app.settings import AppSettings  # noqa: E402
from app.simulation import wait_for  # noqa: E402
from engine.model.project import Project  # noqa: E402

PROBE_MS = 10


def build_project(n: int) -> Project:
    network = make_networks.cuba(n)
    exc = next(node for node in network.nodes if node.type_id == "population.lif")
    state = network.add_node("recorder.state", "Vm (10 neurons)", {"neurons": list(range(10))})
    network.add_link(exc.id, "out", state.id, "source")
    project = Project(network=network, name=f"CUBA {n}")
    project.view["plots"] = [{"kind": "raster"}, {"kind": "rates"}, {"kind": "traces"}]
    return project


def measure(
    n: int, duration_ms: float, screenshot: str | None, threads: int = 1, speed: float = 0.0
) -> dict:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    settings = AppSettings(Path(tempfile.mkdtemp()) / "settings.ini")
    settings.simulation_threads = threads
    window = MainWindow(settings)
    window.persist_window_state = False
    window.resize(1440, 900)
    window.set_document(Document(build_project(n)))
    window.show()
    app.processEvents()
    sim = window.simulation
    sim.set_speed(speed)

    # warm the kernels (numba cache) so the measurement is of running, not compiling
    from engine.sim.simulator import warm_up_kernels

    warm_up_kernels()

    lateness: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        lateness.append(max(0.0, (now - last[0]) * 1000.0 - PROBE_MS))
        last[0] = now

    probe = QTimer()
    probe.setInterval(PROBE_MS)
    probe.timeout.connect(tick)

    started_at: list[float] = []
    frames_at_start: list[int] = []

    def on_started(_info) -> None:
        started_at.append(time.perf_counter())
        frames_at_start.append(sim.panel.frames)
        last[0] = time.perf_counter()
        probe.start()

    sim.run_started.connect(on_started)
    t_build = time.perf_counter()
    sim.run(duration_ms=duration_ms)
    ok = wait_for(lambda: sim.state == "finished", timeout_s=600)
    ended = time.perf_counter()
    probe.stop()
    frames = sim.panel.frames - (frames_at_start[0] if frames_at_start else 0)
    running_s = ended - started_at[0] if started_at else float("nan")
    result = {
        "neurons": n,
        "threads": threads,
        "speed": speed or "max",
        "simulated_ms": sim.t_ms,
        "completed": ok,
        "build_s": (started_at[0] - t_build) if started_at else None,
        "wall_running_s": running_s,
        "real_time_factor": sim.real_time_factor,
        "frames": frames,
        "fps": frames / running_s if running_s > 0 else 0.0,
        "chunks": sim.chunks,
        "event_latency_ms_p50": float(np.percentile(lateness, 50)) if lateness else None,
        "event_latency_ms_p99": float(np.percentile(lateness, 99)) if lateness else None,
        "event_latency_ms_max": float(np.max(lateness)) if lateness else None,
        "probe_ticks": len(lateness),
    }
    if screenshot:
        sim.panel.redraw()
        app.processEvents()
        window.grab().save(screenshot)
    window.simulation.shutdown()
    window.close()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--neurons", type=int, default=20000)
    parser.add_argument("--ms", type=float, default=3000.0, help="biological time to simulate")
    parser.add_argument("--screenshot", help="PNG of the window at the end")
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--threads", type=int, default=1, help="simulation threads (parallel mode)")
    parser.add_argument(
        "--speed", type=float, default=0.0, help="ratio to real time (0: as fast as possible)"
    )
    args = parser.parse_args(argv)
    result = measure(args.neurons, args.ms, args.screenshot, args.threads, args.speed)
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
