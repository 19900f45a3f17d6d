"""Headless runs: load a project, simulate it, write ``summary.json``, ``results.npz`` and
``report.png``.

This module never imports Qt at module level; only the report drawing (``app.report``, loaded
when a report is asked for) does.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from engine.errors import SpikeStudioError, ValidationError
from engine.io.atomic import write_atomically
from engine.io.project_file import load_project
from engine.io.recording import RecordingWriter
from engine.io.results import RunRecord
from engine.sim.compiler import compile_network
from engine.sim.simulator import Simulator

#: Biological time simulated per chunk (ms); the progress bar moves between chunks.
CHUNK_MS = 100.0
#: Show a progress bar only for runs that last longer than this (s).
PROGRESS_AFTER_S = 1.0
#: Redraw the progress bar at most this often (s).
PROGRESS_INTERVAL_S = 0.1

SUMMARY_FILE = "summary.json"
RESULTS_FILE = "results.npz"
REPORT_FILE = "report.png"


class OptionError(SpikeStudioError):
    """A command-line override (duration, seed) with an invalid value.

    Parameters
    ----------
    option
        The option as typed (``"--duration"``).
    message
        What is wrong with its value.
    """

    def __init__(self, option: str, message: str) -> None:
        self.option = option
        self.message = message
        super().__init__(f"{option}: {message}")


class ReportError(SpikeStudioError):
    """``report.png`` could not be drawn (the other outputs were written)."""


def default_out_dir(path: str | os.PathLike[str]) -> Path:
    """Where a run of ``path`` writes its files unless told otherwise: ``out/<file stem>``."""
    return Path("out") / Path(path).stem


def run_project(
    path: str | os.PathLike[str],
    duration_ms: float | None = None,
    seed: int | None = None,
    out_dir: str | os.PathLike[str] | None = None,
    progress: bool = True,
    *,
    report: bool = True,
    quiet: bool = False,
    record_to: str | os.PathLike[str] | None = None,
    threads: int = 1,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> dict[str, Any]:
    """Simulate a project file and write its results.

    Parameters
    ----------
    path
        The ``.snnproj`` file.
    duration_ms, seed
        Overrides of the project's simulation settings (ms; a non-negative integer).
    out_dir
        Folder for ``summary.json``, ``results.npz`` and ``report.png`` (created if needed);
        :func:`default_out_dir` by default.
    progress
        Show a progress bar on stderr when the run lasts more than a second and stderr is a
        terminal.
    report
        Draw ``report.png`` (needs Qt).
    quiet
        Print nothing on stdout and show no progress.
    record_to
        Also stream every chunk to this ``.spkrec`` file while running (see
        :mod:`engine.io.recording`).
    threads
        Threads to run on (the engine's parallel mode; the results do not depend on it).
    stdout, stderr
        Streams for the table and the progress bar (``sys.stdout``/``sys.stderr`` by default).

    Returns
    -------
    dict
        The content of ``summary.json``.

    Raises
    ------
    ProjectFileError, ValidationError, SimulationError, MemoryBudgetError
        The project cannot be loaded, built or run.
    OptionError
        ``duration_ms`` or ``seed`` is invalid.
    ReportError
        Everything but ``report.png`` was written.
    RecordingError
        The recording cannot be written (it holds every chunk before the failure).
    OSError
        The output folder cannot be written.
    """
    stdout = sys.stdout if stdout is None else stdout
    stderr = sys.stderr if stderr is None else stderr
    t_start = time.perf_counter()
    project = load_project(path)
    network = project.network
    for option, name, value in (
        ("--duration", "duration_ms", duration_ms),
        ("--seed", "seed", seed),
    ):
        if value is None:
            continue
        try:
            network.set_setting(name, value)
        except ValidationError as err:
            raise OptionError(option, err.message) from None
    if threads < 1:
        raise OptionError("--threads", f"must be at least 1 (got {threads})")
    out = Path(out_dir) if out_dir is not None else default_out_dir(path)
    out.mkdir(parents=True, exist_ok=True)

    t_build = time.perf_counter()
    simulator = Simulator(compile_network(network.copy(), threads=threads))
    simulator.advance(0)  # JIT warm-up: loads (or compiles) the kernels
    build_s = time.perf_counter() - t_build

    record = RunRecord(simulator, name=project.name)
    writer = None if record_to is None else RecordingWriter(record_to, simulator, project.name)
    total = simulator.steps_for(network.settings["duration_ms"])
    chunk = max(1, simulator.steps_for(CHUNK_MS))
    bar = _ProgressBar(stderr, total * simulator.dt_ms, enabled=progress and not quiet)
    t_sim = time.perf_counter()
    done = 0
    try:
        while done < total:
            n = min(chunk, total - done)
            result = simulator.advance(n)
            if writer is not None:
                writer.append(result)
            record.append(result)
            done += n
            bar.update(done * simulator.dt_ms)
        if writer is not None:
            writer.close("complete")
    finally:
        bar.close()
        if writer is not None and not writer.closed:
            writer.abandon()
    sim_s = time.perf_counter() - t_sim

    record.save_npz(out / RESULTS_FILE)
    report_problem = None
    if report:
        try:
            from app.report import draw_report

            draw_report(record, out / REPORT_FILE)
        except (ImportError, OSError, RuntimeError) as err:
            report_problem = f"cannot draw {REPORT_FILE}: {err} (use --no-report to skip it)"
    wall_s = time.perf_counter() - t_start
    summary = record.summary(
        wall_s=round(wall_s, 4),
        build_s=round(build_s, 4),
        sim_s=round(sim_s, 4),
        extra={"project": project.name, "project_file": str(path)},
    )
    write_atomically(
        out / SUMMARY_FILE,
        lambda handle: handle.write(
            json.dumps(summary, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        ),
    )
    if not quiet:
        stdout.write(format_table(summary, out))
        stdout.flush()
    if report_problem:
        raise ReportError(report_problem)
    return summary


def format_table(summary: dict[str, Any], out_dir: Path | None = None) -> str:
    """The short text printed after a run: one row per neuron group, then the timings."""
    rows = [("population", "size", "spikes", "mean rate (Hz)")]
    for name, pop in summary["populations"].items():
        rows.append((name, str(pop["size"]), str(pop["spike_count"]), f"{pop['mean_rate_hz']:.2f}"))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        f"{summary.get('project', '')}: {summary['duration_ms']:g} ms simulated "
        f"(dt {summary['dt_ms']:g} ms, seed {summary['seed']})"
    ]
    for row in rows:
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells))
    lines.append(
        f"wall {summary['wall_s']:.2f} s (build {summary['build_s']:.2f} s, "
        f"sim {summary['sim_s']:.2f} s)"
    )
    if out_dir is not None:
        lines.append(f"results in {out_dir}{os.sep}")
    return "\n".join(lines) + "\n"


class _ProgressBar:
    """A one-line text bar on a terminal; silent on pipes and for runs under a second."""

    WIDTH = 30

    def __init__(self, stream: TextIO, total_ms: float, *, enabled: bool) -> None:
        self.stream = stream
        self.total_ms = total_ms
        self.enabled = enabled and _isatty(stream)
        self.start = time.perf_counter()
        self.last_draw = 0.0
        self.drawn = 0

    def update(self, done_ms: float) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        elapsed = now - self.start
        if elapsed < PROGRESS_AFTER_S or now - self.last_draw < PROGRESS_INTERVAL_S:
            return
        self.last_draw = now
        fraction = done_ms / self.total_ms if self.total_ms > 0 else 1.0
        filled = int(round(fraction * self.WIDTH))
        left = elapsed / fraction - elapsed if fraction > 0 else 0.0
        line = (
            f"\r[{'#' * filled}{'.' * (self.WIDTH - filled)}] {fraction:4.0%}  "
            f"{done_ms:.0f}/{self.total_ms:.0f} ms  {elapsed:.1f} s, ~{left:.0f} s left "
        )
        self.stream.write(line)
        self.stream.flush()
        self.drawn = max(self.drawn, len(line))

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\r" + " " * self.drawn + "\r")
            self.stream.flush()


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
