"""``spikestudio map``: mapping.json, mapping.png, --list, refused profiles, no Qt."""

from __future__ import annotations

import json
import subprocess
import sys

from app import cli
from hardware.profiles import ROOT, list_profiles

DEMO = ROOT / "projects" / "stdp_demo.snnproj"


def test_map_list_names_the_profiles(capsys):
    assert cli.main(["map", "--list"]) == 0
    out = capsys.readouterr().out
    for name in list_profiles():
        assert name in out


def test_map_writes_json_and_png(tmp_path, capsys):
    assert cli.main(["map", str(DEMO), "--hardware", "truenorth", "--out", str(tmp_path)]) == 0
    report = json.loads((tmp_path / "mapping.json").read_text("utf-8"))
    assert {"hardware", "cores_used", "chips_used", "fits", "violations", "utilization"} <= set(
        report
    )
    assert report["hardware"] == "truenorth" and report["fits"] is False
    assert "plasticity.unsupported" in [v["rule"] for v in report["violations"]]
    for violation in report["violations"]:
        assert set(violation) >= {"rule", "severity", "message", "node"}
    for row in report["utilization"]:
        assert set(row) >= {"neurons", "synaptic_memory", "fan_in"}
    assert "energy" not in report
    png = (tmp_path / "mapping.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 1000
    assert "does not fit" in capsys.readouterr().out


def test_map_run_adds_energy_and_counts(tmp_path):
    args = ["map", str(DEMO), "--hardware", "loihi", "--run", "--duration", "200",
            "--out", str(tmp_path), "-q"]  # fmt: skip
    assert cli.main(args) == 0
    report = json.loads((tmp_path / "mapping.json").read_text("utf-8"))
    energy = report["energy"]
    assert {"static_j", "dynamic_j", "total_j", "per_term", "time_base", "unpriced"} <= set(energy)
    assert energy["time_base"] == "real_time"
    assert energy["static_j"] == 0.104 * 0.2
    assert energy["counts"]["synaptic_events"] > 0
    assert report["counts"]["totals"]["synaptic_events"] == energy["counts"]["synaptic_events"]
    assert set(report["energy_by_time_base"]) == {"real_time", "as_fast_as_possible"}
    assert report["workload_metrics"]["synaptic_operations"]["effective_acs"] > 0


def test_a_malformed_user_profile_is_refused_naming_the_field(tmp_path, capsys):
    data = json.loads((ROOT / "resources" / "hardware" / "loihi.json").read_text("utf-8"))
    data["core"]["max_neurons"]["value"] = "lots"
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(data), "utf-8")
    assert cli.main(["map", str(DEMO), "--hardware", str(path), "--out", str(tmp_path)]) == 1
    assert "core.max_neurons.value" in capsys.readouterr().err
    assert not (tmp_path / "mapping.json").exists()


def test_map_needs_file_and_hardware(capsys):
    assert cli.main(["map", str(DEMO)]) == cli.EXIT_USAGE


def test_map_does_not_import_qt(tmp_path):
    code = (
        "import sys\n"
        "from app import cli\n"
        f"rc = cli.main(['map', {str(DEMO)!r}, '--hardware', 'speck',\n"
        f"               '--out', {str(tmp_path)!r}, '-q'])\n"
        "assert rc == 0, rc\n"
        "qt = ('PySide6', 'shiboken6', 'pyqtgraph')\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in qt]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
