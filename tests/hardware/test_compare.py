"""The side-by-side comparison and the counts computed from spike totals alone."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from engine.io.project_file import load_project
from engine.sim.compiler import compile_network
from hardware import drc
from hardware.compare import COLUMNS, compare_profiles, write_csv
from hardware.counts import PER_CORE_KEYS, EventRoutes, count_activity, count_spike_totals
from hardware.mapping import map_network
from hardware.profiles import list_profiles, load_profile
from hardware.quantize import record_everything, run_spikes
from hardware.report import map_and_report
from hardware.synapses import synapse_table

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "projects" / "stdp_demo.snnproj"


@pytest.fixture(scope="module")
def demo():
    return load_project(DEMO).network


@pytest.fixture(scope="module")
def rows(demo):
    return compare_profiles(demo, [load_profile(n) for n in list_profiles()], duration_ms=300.0)


def test_one_row_per_profile_agreeing_with_the_cli_report(demo, rows):
    assert [r["hardware"] for r in rows] == list_profiles()
    for row in rows:
        report, _ = map_and_report(demo, load_profile(row["hardware"]), run=True,
                                   duration_ms=300.0)  # fmt: skip
        assert row["cores_used"] == report["cores_used"]
        assert row["chips_used"] == report["chips_used"]
        assert row["fits"] == report["fits"]
        severities = [v["severity"] for v in report["violations"]]
        assert row["errors"] == severities.count("error")
        assert row["warnings"] == severities.count("warning")
        total = report["energy"]["total_j"]
        if total is None:
            assert row["total_j_per_s"] is None
        else:
            assert row["total_j_per_s"] == pytest.approx(total / 0.3)


def test_unpriced_energy_is_none_never_zero(rows):
    by_id = {r["hardware"]: r for r in rows}
    assert by_id["loihi2"]["total_j_per_s"] is None
    assert by_id["loihi2"]["unpriced"]
    # Loihi prices its static power: 104 mW per chip, so 0.104 J per simulated second
    assert by_id["loihi"]["static_j_per_s"] == pytest.approx(0.104 * by_id["loihi"]["chips_used"])


def test_csv_reads_back(rows, tmp_path):
    path = tmp_path / "compare.csv"
    write_csv(rows, path)
    with path.open(encoding="utf-8", newline="") as handle:
        table = list(csv.DictReader(handle))
    assert list(table[0]) == list(COLUMNS.values())
    assert [t["hardware"] for t in table] == [r["hardware"] for r in rows]
    for line, row in zip(table, rows, strict=True):
        assert int(line["cores used"]) == row["cores_used"]
        assert line["fits"] == str(row["fits"])
        if row["total_j_per_s"] is None:
            assert line["total J per simulated s"] == "not priced"
        else:
            assert float(line["total J per simulated s"]) == pytest.approx(row["total_j_per_s"],
                                                                            rel=1e-5)  # fmt: skip
    truenorth = next(t for t in table if t["hardware"] == "truenorth")
    assert truenorth["static J per simulated s"] == "in total (all-in figure)"


@pytest.mark.parametrize("name", ["loihi", "spinnaker", "truenorth"])
def test_counts_from_spike_totals_match_the_counts_from_spike_times(demo, name):
    compiled = compile_network(demo.copy())
    synapses = synapse_table(compiled)
    mapping = map_network(demo, compiled, load_profile(name), synapses)
    run = run_spikes(compile_network(record_everything(demo)), 200.0)
    exact = count_activity(mapping, run, drc.chip_dt_ms(mapping))
    spikes = np.bincount(run.neurons, minlength=compiled.n_neurons)
    live = count_spike_totals(EventRoutes(mapping), spikes, 200.0, compiled.dt_ms,
                              drc.chip_dt_ms(mapping))  # fmt: skip
    assert live.n_ticks == exact.n_ticks
    assert live.host_packets == exact.host_packets
    for key in PER_CORE_KEYS:
        if key.startswith("neuron_updates"):
            continue
        np.testing.assert_array_equal(live.per_core[key], exact.per_core[key], err_msg=key)
    updates = live.per_core["neuron_updates_active"] + live.per_core["neuron_updates_idle"]
    np.testing.assert_array_equal(updates, mapping.usage.neurons * live.n_ticks)
