"""The ``spikestudio`` command, driven in-process through ``app.cli.main`` (and a few times as a
real process, to check what it imports and that the console script is installed)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from app import cli
from engine import __version__
from engine.io.project_file import save_project
from engine.io.results import load_results
from engine.model.project import Project

ROOT = Path(__file__).resolve().parents[2]
SUMMARY_KEYS = {
    "duration_ms",
    "dt_ms",
    "seed",
    "wall_s",
    "build_s",
    "sim_s",
    "n_neurons",
    "n_synapses",
    "populations",
    "projections",
    "spikestudio_version",
}


def demo_project(duration_ms: float = 300.0) -> Project:
    """Poisson 50 -> LIF 20 through an STDP projection, with spike, state and weight recorders,
    and an unrecorded LIF 10 driven by the first population."""
    project = Project(name="CLI test")
    net = project.network
    net.set_setting("duration_ms", duration_ms)
    source = net.add_node("encoder.poisson", "Input", {"size": 50, "rate_hz": 40.0})
    exc = net.add_node("population.lif", "Excitatory", {"size": 20})
    quiet = net.add_node("population.lif", "Unrecorded", {"size": 10})
    plastic = net.connect_groups(source.id, exc.id, {"weight": 160.0, "p": 0.5})
    net.connect_groups(exc.id, quiet.id, {"weight": 1200.0, "rule": "all_to_all"})
    rule = net.add_node("plasticity.stdp_pair", "STDP")
    net.add_link(rule.id, "out", plastic.id, "plasticity")
    spikes = net.add_node("recorder.spikes", "Spikes")
    net.add_link(source.id, "out", spikes.id, "source")
    net.add_link(exc.id, "out", spikes.id, "source")
    vm = net.add_node("recorder.state", "Vm", {"neurons": [0, 1]})
    net.add_link(exc.id, "out", vm.id, "source")
    weights = net.add_node("recorder.weights", "Weights")
    net.add_link(plastic.id, "post", weights.id, "source")
    return project


@pytest.fixture(scope="module")
def project_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("projects") / "demo.snnproj"
    save_project(demo_project(), path)
    return path


def edited(project_file: Path, tmp_path: Path, edit) -> Path:
    """A copy of the demo file with its JSON changed by ``edit(document)``."""
    document = json.loads(project_file.read_text(encoding="utf-8"))
    edit(document)
    path = tmp_path / "edited.snnproj"
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return path


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


# -- run ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def run_dir(project_file: Path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("run")
    assert cli.main(["run", str(project_file), "--out", str(out), "--quiet"]) == 0
    return out


def test_run_writes_three_files(run_dir: Path) -> None:
    assert sorted(p.name for p in run_dir.iterdir()) == [
        "report.png",
        "results.npz",
        "summary.json",
    ]


def test_summary_keys_and_sizes(run_dir: Path, project_file: Path) -> None:
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    assert SUMMARY_KEYS <= set(summary)
    assert summary["spikestudio_version"] == __version__
    assert summary["duration_ms"] == pytest.approx(300.0)
    assert summary["dt_ms"] == 0.1
    assert summary["seed"] == 1
    assert summary["n_neurons"] == 80
    sizes = {name: pop["size"] for name, pop in summary["populations"].items()}
    assert sizes == {"Input": 50, "Excitatory": 20, "Unrecorded": 10}
    assert summary["build_s"] >= 0 and summary["sim_s"] >= 0
    assert summary["wall_s"] >= summary["build_s"] + summary["sim_s"]
    plastic = summary["projections"]["Input → Excitatory"]
    assert plastic["plastic"] is True
    assert plastic["mean_weight_start"] == pytest.approx(160.0)
    assert plastic["mean_weight_end"] != plastic["mean_weight_start"]
    assert summary["n_synapses"] == sum(p["n_synapses"] for p in summary["projections"].values())
    # sorted keys, pretty-printed
    text = (run_dir / "summary.json").read_text(encoding="utf-8")
    assert text == json.dumps(summary, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_spike_counts_match_results(run_dir: Path) -> None:
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    results = load_results(run_dir / "results.npz")
    names = list(results["group_names"])
    for name, pop in summary["populations"].items():
        g = names.index(name)
        start, size = results["group_starts"][g], results["group_sizes"][g]
        in_group = (results["spike_neurons"] >= start) & (results["spike_neurons"] < start + size)
        if results["group_recorded"][g]:
            assert pop["spike_count"] == int(in_group.sum()) > 0
        else:
            assert not in_group.any()
        assert pop["spike_count"] == results["group_spike_counts"][g]
        assert pop["mean_rate_hz"] == pytest.approx(pop["spike_count"] / size / 0.3)
    assert summary["populations"]["Unrecorded"]["spike_count"] > 0


def test_results_npz_content(run_dir: Path) -> None:
    results = load_results(run_dir / "results.npz")
    assert results["rates_hz"].shape == (30, 3)
    assert np.allclose(results["rate_time_ms"], np.arange(5.0, 300.0, 10.0))
    assert results["trace/Vm/values"].shape == (3000, 2)
    assert str(results["trace/Vm/unit"]) == "mV"
    assert results["weight_trace/Weights/values"].shape[0] == 30
    pre = results["weights/Input → Excitatory/pre"]
    assert pre.shape == results["weights/Input → Excitatory/final"].shape


def test_run_prints_table(project_file: Path, tmp_path: Path, capsys) -> None:
    code, out, err = run_cli(
        capsys, "run", project_file, "--out", tmp_path, "--no-report", "--duration", 50
    )
    assert code == 0
    assert err == "", "no progress bar when stderr is not a terminal"
    lines = out.splitlines()
    assert lines[0].startswith("CLI test: 50 ms simulated")
    assert lines[1].split() == ["population", "size", "spikes", "mean", "rate", "(Hz)"]
    assert lines[2].split()[:2] == ["Input", "50"]
    assert any(line.startswith("wall ") and "build" in line and "sim" in line for line in lines)
    assert not (tmp_path / "report.png").exists()


def test_default_out_dir(project_file: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, _ = run_cli(capsys, "run", project_file, "--no-report", "-q", "--duration", 20)
    assert code == 0
    assert (tmp_path / "out" / "demo" / "summary.json").is_file()


def test_seed_reproduces_and_changes_results(project_file: Path, tmp_path: Path) -> None:
    def results(seed: int, name: str) -> dict[str, np.ndarray]:
        out = tmp_path / name
        args = ["run", str(project_file), "--out", str(out), "--no-report", "-q"]
        assert cli.main([*args, "--seed", str(seed), "--duration", "200"]) == 0
        return load_results(out / "results.npz")

    first, again, other = results(7, "a"), results(7, "b"), results(8, "c")
    assert sorted(first) == sorted(again)
    for key in first:
        assert first[key].dtype == again[key].dtype
        assert np.array_equal(first[key], again[key]), key
    assert int(first["seed"]) == 7 and int(other["seed"]) == 8
    assert not np.array_equal(first["spike_neurons"], other["spike_neurons"])


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [("--duration", "-5", "--duration: must be > 0 ms"), ("--seed", "-1", "--seed: must be >= 0")],
)
def test_invalid_override_is_a_usage_error(
    project_file: Path, tmp_path: Path, capsys, option: str, value: str, message: str
) -> None:
    code, out, err = run_cli(capsys, "run", project_file, "--out", tmp_path, option, value)
    assert code == 2
    assert message in err
    assert not any(tmp_path.iterdir())


def test_run_records_to_disk_what_it_writes_to_results(
    project_file: Path, tmp_path: Path, capsys
) -> None:
    from engine.io.recording import load_recording

    rec = tmp_path / "run.spkrec"
    code, _, _ = run_cli(
        capsys, "run", project_file, "--out", tmp_path, "--no-report", "-q", "--record", rec
    )
    assert code == 0
    results, loaded = load_results(tmp_path / "results.npz"), load_recording(rec)
    assert loaded.status == "complete" and loaded.duration_ms == pytest.approx(300.0)
    assert loaded.spike_times_ms.size > 0
    assert np.array_equal(loaded.spike_times_ms, results["spike_times_ms"])
    assert np.array_equal(loaded.spike_neurons, results["spike_neurons"])
    assert np.array_equal(loaded.traces["Vm"].values, results["trace/Vm/values"])
    final = loaded.weights["Input → Excitatory"].final
    assert np.array_equal(final, results["weights/Input → Excitatory/final"])


def test_run_on_two_threads_writes_the_same_results(
    project_file: Path, tmp_path: Path, capsys
) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    assert run_cli(capsys, "run", project_file, "--out", one, "--no-report", "-q")[0] == 0
    code, _, _ = run_cli(
        capsys, "run", project_file, "--out", two, "--no-report", "-q", "--threads", "2"
    )
    assert code == 0
    a, b = load_results(one / "results.npz"), load_results(two / "results.npz")
    assert a["spike_neurons"].size > 0
    assert sorted(a) == sorted(b)
    for key in a:
        assert np.array_equal(a[key], b[key]), key


def test_run_refuses_zero_threads(project_file: Path, tmp_path: Path, capsys) -> None:
    code, _, err = run_cli(capsys, "run", project_file, "--out", tmp_path / "o", "--threads", "0")
    assert code == 2
    assert "--threads: must be at least 1 (got 0)" in err
    assert not (tmp_path / "o").exists()


def test_run_record_to_an_unwritable_place_fails_cleanly(
    project_file: Path, tmp_path: Path, capsys
) -> None:
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("x")
    code, _, err = run_cli(
        capsys,
        "run",
        project_file,
        "--out",
        tmp_path,
        "--no-report",
        "--record",
        blocker / "run.spkrec",
    )
    assert code == 1
    assert f"{project_file}: {blocker / 'run.spkrec'}: cannot write the recording" in err


def test_run_invalid_file_fails_cleanly(tmp_path: Path, capsys) -> None:
    path = tmp_path / "broken.snnproj"
    path.write_text("{ not json", encoding="utf-8")
    code, out, err = run_cli(capsys, "run", path, "--out", tmp_path / "out")
    assert code == 1
    assert f"{path}: is not valid JSON" in err
    assert out == ""


def test_run_missing_file(tmp_path: Path, capsys) -> None:
    code, _, err = run_cli(capsys, "run", tmp_path / "missing.snnproj")
    assert code == 1
    assert "cannot read the file" in err


def test_run_graph_error_names_the_node(tmp_path: Path, capsys) -> None:
    project = Project(name="unwired")
    project.network.add_node("population.lif", "Pop")
    project.network.add_node("projection.synapses", "Dangling")
    path = tmp_path / "unwired.snnproj"
    save_project(project, path)
    code, _, err = run_cli(capsys, "run", path, "--out", tmp_path / "out")
    assert code == 1
    assert f"{path}: nodes[1]: input 'pre' must be wired" in err


def test_run_too_large_network_fails_cleanly(tmp_path: Path, capsys) -> None:
    project = Project(name="huge")
    net = project.network
    a = net.add_node("population.lif", "A", {"size": 100_000_000})
    b = net.add_node("population.lif", "B", {"size": 100_000_000})
    net.connect_groups(a.id, b.id, {"rule": "all_to_all"})
    path = tmp_path / "huge.snnproj"
    save_project(project, path)
    code, _, err = run_cli(capsys, "run", path, "--out", tmp_path / "out")
    assert code == 1
    assert "cannot build the network" in err and "GiB" in err


# -- validate ----------------------------------------------------------------------------------
def test_validate_ok(project_file: Path, capsys) -> None:
    code, out, _ = run_cli(capsys, "validate", project_file)
    assert code == 0
    assert out == f"{project_file}: ok\n"


def test_validate_reports_warnings(tmp_path: Path, capsys) -> None:
    project = Project(name="lonely")
    project.network.add_node("population.lif", "Alone")
    path = tmp_path / "lonely.snnproj"
    save_project(project, path)
    code, out, _ = run_cli(capsys, "validate", path)
    assert code == 0
    assert out.splitlines() == [
        f"{path}: ok",
        f"{path}: warning: population 'Alone' receives no input",
    ]


def test_validate_bad_parameter(project_file: Path, tmp_path: Path, capsys) -> None:
    def edit(document):
        assert document["nodes"][1]["type"] == "population.lif"
        document["nodes"][1]["params"]["tau_m"] = -5

    path = edited(project_file, tmp_path, edit)
    code, out, _ = run_cli(capsys, "validate", path)
    assert code == 1
    assert f"{path}: nodes[1].params.tau_m: must be > 0 ms (got -5)" in out.splitlines()


def test_validate_runs_graph_checks(tmp_path: Path, capsys) -> None:
    project = Project(name="unwired")
    project.network.add_node("projection.synapses", "Dangling")
    path = tmp_path / "unwired.snnproj"
    save_project(project, path)
    code, out, _ = run_cli(capsys, "validate", path)
    assert code == 1
    assert f"{path}: nodes[0]: input 'pre' must be wired" in out
    assert f"{path}: ok" not in out


def test_validate_not_json(tmp_path: Path, capsys) -> None:
    path = tmp_path / "notes.snnproj"
    path.write_text("these are my notes\n", encoding="utf-8")
    code, out, _ = run_cli(capsys, "validate", path)
    assert code == 1
    assert out.startswith(f"{path}: is not valid JSON: Expecting value at line 1 column 1")


def test_validate_newer_schema(project_file: Path, tmp_path: Path, capsys) -> None:
    path = edited(project_file, tmp_path, lambda d: d.update(schema_version=99))
    code, out, _ = run_cli(capsys, "validate", path)
    assert code == 1
    assert f"{path}: schema_version: is 99" in out
    assert "newer SpikeStudio" in out


def test_validate_unknown_node_type(project_file: Path, tmp_path: Path, capsys) -> None:
    path = edited(project_file, tmp_path, lambda d: d["nodes"][0].update(type="encoder.magic"))
    code, out, _ = run_cli(capsys, "validate", path)
    assert code == 1
    assert f"{path}: nodes[0].type: unknown node type 'encoder.magic'" in out


def test_validate_several_files(project_file: Path, tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.snnproj"
    bad.write_text("[]", encoding="utf-8")
    code, out, _ = run_cli(capsys, "validate", project_file, bad)
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == f"{project_file}: ok"
    assert lines[1].startswith(f"{bad}: must hold a JSON object at the top level")
    assert len(lines) == 2


# -- catalog -----------------------------------------------------------------------------------
def test_catalog_json(capsys) -> None:
    code, out, _ = run_cli(capsys, "catalog", "--json")
    assert code == 0
    described = json.loads(out)
    by_id = {entry["id"]: entry for entry in described}
    lif = by_id["population.lif"]
    assert lif["category"] == "population"
    params = {p["name"]: p for p in lif["params"]}
    assert params["tau_m"]["unit"] == "ms" and params["tau_m"]["default"] == 10.0
    assert {"size", "v_th", "v_reset", "t_ref"} <= set(params)
    assert {"encoder.poisson", "projection.synapses", "recorder.spikes"} <= set(by_id)


def test_catalog_text(capsys) -> None:
    code, out, _ = run_cli(capsys, "catalog")
    assert code == 0
    assert "population.lif  LIF neurons  [population, version 1]" in out
    tau_m = next(line for line in out.splitlines() if line.split()[:1] == ["tau_m"])
    assert tau_m.split()[:3] == ["tau_m", "10.0", "ms"]
    assert "in (0, 100000] ms" in tau_m and "Membrane time constant" in tau_m


def test_catalog_markdown(capsys) -> None:
    code, out, _ = run_cli(capsys, "catalog", "--markdown")
    assert code == 0
    assert "### LIF neurons (`population.lif`)" in out
    assert (
        "| `tau_m` | `10.0` | ms | in (0, 100000] ms; or a distribution | Membrane time constant |"
        in out
    )
    assert "| Parameter | Default | Unit | Allowed values | Description |" in out


def test_catalog_formats_are_exclusive(capsys) -> None:
    code, _, err = run_cli(capsys, "catalog", "--json", "--markdown")
    assert code == 2
    assert "not allowed with" in err


# -- general -----------------------------------------------------------------------------------
def test_version(capsys) -> None:
    code, out, _ = run_cli(capsys, "--version")
    assert code == 0
    assert out.strip() == f"spikestudio {__version__}"


@pytest.mark.parametrize("command", [[], ["run"], ["validate"], ["catalog"], ["open"]])
def test_help_everywhere(capsys, command: list[str]) -> None:
    code, out, _ = run_cli(capsys, *command, "--help")
    assert code == 0
    assert out.startswith("usage: spikestudio")


@pytest.mark.parametrize("argv", [["bogus"], ["run"], ["run", "x", "--duration", "abc"]])
def test_usage_errors(capsys, argv: list[str]) -> None:
    code, _, err = run_cli(capsys, *argv)
    assert code == 2
    assert "error:" in err


def test_internal_error_is_reported_without_traceback(monkeypatch, capsys) -> None:
    def broken(args):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(cli, "_cmd_catalog", broken)
    monkeypatch.delenv("SPIKESTUDIO_DEBUG", raising=False)
    code, _, err = run_cli(capsys, "catalog")
    assert code == 3
    assert "internal error: ZeroDivisionError: boom" in err
    assert "report" in err


# -- Qt stays out of headless commands ---------------------------------------------------------
def _python(code: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("QT_QPA_PLATFORM", None)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True
    )


@pytest.mark.parametrize("command", ["validate", "catalog", "run"])
def test_headless_commands_do_not_import_qt(
    command: str, project_file: Path, tmp_path: Path
) -> None:
    argv = {
        "validate": ["validate", str(project_file)],
        "catalog": ["catalog"],
        "run": ["run", str(project_file), "--no-report", "--duration", "20", "--out", "o"],
    }[command]
    code = (
        "import sys, app.cli\n"
        f"code = app.cli.main({argv!r})\n"
        "assert code == 0, code\n"
        "loaded = [m for m in ('PySide6', 'shiboken6', 'pyqtgraph') if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    proc = _python(code, tmp_path)
    assert proc.returncode == 0, proc.stderr


def test_console_script_help() -> None:
    script = shutil.which("spikestudio") or str(Path(sys.executable).with_name("spikestudio"))
    if not Path(script).is_file():
        pytest.skip("the spikestudio console script is not installed (pip install -e .)")
    proc = subprocess.run([script, "--help"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("usage: spikestudio")
    for command in ("run", "validate", "catalog", "open"):
        assert command in proc.stdout


# -- open --------------------------------------------------------------------------------------
@pytest.mark.gui
def test_open_screenshot(project_file: Path, tmp_path: Path, capsys) -> None:
    from PySide6.QtGui import QImage

    shot = tmp_path / "window.png"
    code, _, err = run_cli(capsys, "open", project_file, "--screenshot", shot)
    assert code == 0, err
    image = QImage(str(shot))
    assert not image.isNull() and image.width() >= 600


def test_open_without_display_explains(monkeypatch, capsys) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("only Linux can lack a display")
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    code, out, err = run_cli(capsys, "open")
    assert code == 2
    assert "no display" in err and "spikestudio run" in err


def test_open_invalid_file(tmp_path: Path, capsys) -> None:
    path = tmp_path / "bad.snnproj"
    path.write_text("nope", encoding="utf-8")
    code, _, err = run_cli(capsys, "open", path, "--screenshot", tmp_path / "x.png")
    assert code == 1
    assert "is not valid JSON" in err
