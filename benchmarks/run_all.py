"""Run the benchmarks: SpikeStudio against Brian2 cpp_standalone and NEST, side by side.

Each implementation runs in its own fresh interpreter (``runners/run_*.py``), so that setup
time and peak memory are its own. Rounds interleave the implementations (A B C, A B C, ...) and
the table gives medians over rounds; shared machines are noisy, so read the ratios between
implementations measured in the same run, not the absolute times.

SpikeStudio runs with this interpreter (the main venv); the peers with ``--peers-python``
(``.venv-peers/bin/python``, created by ``make bench-env``). A peer that is not installed gives
rows that say so. Results go to stdout as a table and to ``benchmarks/results/<time>.json``.

Usage::

    python benchmarks/run_all.py                 # everything, 3 rounds
    python benchmarks/run_all.py --quick         # 1 round, 4,000 neurons only
    python benchmarks/run_all.py --only cuba --sizes 4000,16000,64000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RUNNERS = BENCH_DIR / "runners"
RESULTS = BENCH_DIR / "results"
sys.path.insert(0, str(BENCH_DIR))

import spec  # noqa: E402

IMPLS = ("spikestudio", "spikestudio_2t", "brian2", "nest")
TITLES = {
    "spikestudio": "SpikeStudio",
    "spikestudio_2t": "SpikeStudio, 2 threads",
    "brian2": "Brian2 cpp_standalone",
    "nest": "NEST, 1 thread",
}
RUNNER_FILES = {
    "spikestudio": "run_spikestudio.py",
    "spikestudio_2t": "run_spikestudio.py",
    "brian2": "run_brian2.py",
    "nest": "run_nest.py",
}
PEER_MODULES = {"brian2": "brian2", "nest": "nest"}
#: Rates of the implementations of one benchmark must agree to within this fraction.
RATE_TOLERANCE = 0.10
#: A CUBA rate outside the anchors' 5.5-5.9 Hz by more than this fraction is flagged too.
CUBA_RANGE_SLACK = 0.05


@dataclass
class Case:
    """One benchmark at one size."""

    name: str
    n: int
    project: Path | None = None
    unsupported: str | None = None  # why SpikeStudio cannot run it yet

    @property
    def label(self) -> str:
        return f"{self.name} {self.n:,}"


@dataclass
class Row:
    """All rounds of one implementation on one case."""

    impl: str
    runs: list[dict[str, Any]] = field(default_factory=list)
    status: str | None = None  # "not installed", "not yet supported", ...
    cold_first_step_s: float | None = None
    cold_fingerprint: str | None = None
    summary: dict[str, Any] = field(default_factory=dict)


# -- command line ---------------------------------------------------------------------------
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument(
        "--quick", action="store_true", help="one round, 4,000 neurons only (a smoke run)"
    )
    parser.add_argument(
        "--only",
        default=",".join(spec.BENCHMARKS),
        help=f"comma-separated benchmarks (default: all of {', '.join(spec.BENCHMARKS)})",
    )
    parser.add_argument(
        "--sizes", help="comma-separated network sizes (default: each benchmark's own list)"
    )
    parser.add_argument(
        "--impls", default=",".join(IMPLS), help="comma-separated implementations to run"
    )
    parser.add_argument(
        "--peers-python",
        default=str(ROOT / ".venv-peers" / "bin" / "python"),
        help="interpreter with brian2 and nest (default: .venv-peers/bin/python)",
    )
    parser.add_argument(
        "--nest-max-n",
        type=int,
        default=16000,
        help=(
            "skip NEST above this size (default 16000: at 64,000 its pairwise_bernoulli "
            "connection takes minutes and the loop is ~30x slower than Brian2)"
        ),
    )
    parser.add_argument(
        "--live-engine",
        action="store_true",
        help="run the working tree's engine/ instead of a copy taken at start",
    )
    parser.add_argument("--duration-ms", type=float, default=spec.DURATION_MS)
    parser.add_argument("--timeout", type=float, default=3600.0, help="per run (s)")
    parser.add_argument("--json", help="where to write the results (default: results/<time>.json)")
    parser.add_argument(
        "--show",
        nargs="+",
        metavar="JSON",
        help="print the table of earlier results (files written by this script) and exit",
    )
    args = parser.parse_args(argv)
    # absolute, but not resolved: a venv's python is a symlink that must stay in the venv
    args.peers_python = os.path.abspath(args.peers_python)
    if args.quick:
        args.rounds = 1
        args.sizes = args.sizes or "4000"
    for name in args.only.split(","):
        if name not in spec.BENCHMARKS:
            parser.error(
                f"--only: unknown benchmark {name!r} (known: {', '.join(spec.BENCHMARKS)})"
            )
    for impl in args.impls.split(","):
        if impl not in IMPLS:
            parser.error(f"--impls: unknown implementation {impl!r} (known: {', '.join(IMPLS)})")
        if impl == "spikestudio_2t" and "spikestudio" not in args.impls.split(","):
            parser.error("--impls: spikestudio_2t is compared with spikestudio; list both")
    return args


def cases(args: argparse.Namespace) -> list[Case]:
    """The benchmarks to run, with their project files (written if missing)."""
    import make_networks

    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else None
    result = []
    for name in args.only.split(","):
        for n in sizes or spec.BENCHMARKS[name][1]:
            case = Case(name, n)
            path = make_networks.path_for(name, n)
            try:
                if not path.exists() or (name == "coba" and not _mentions_conductance(path)):
                    make_networks.write(name, n)
                case.project = path
            except make_networks.NotSupportedError as err:
                case.unsupported = str(err)
            result.append(case)
    return result


def _mentions_conductance(path: Path) -> bool:
    return "conductance" in path.read_text(encoding="utf-8")


# -- running one implementation once --------------------------------------------------------
def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    # one thread everywhere: the comparison is single-core
    env.update(OMP_NUM_THREADS="1", NUMBA_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    env.update(PYNEST_QUIET="1", PYTHONUNBUFFERED="1")
    env.pop("PYTHONPATH", None)
    env.update(extra or {})
    return env


def run_child(
    python: str,
    impl: str,
    case: Case,
    seed: int,
    args: argparse.Namespace,
    *,
    no_loop: bool = False,
    env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Run one implementation on one case in a fresh interpreter; returns its result."""
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        out = Path(tmp) / "result.json"
        cmd = [
            python,
            str(RUNNERS / RUNNER_FILES[impl]),
            "--model",
            case.name,
            "--n",
            str(case.n),
            "--seed",
            str(seed),
            "--duration-ms",
            str(args.duration_ms),
            "--out",
            str(out),
        ]
        if case.project is not None:
            cmd += ["--project", str(case.project)]
        if impl == "spikestudio_2t":
            cmd += ["--threads", "2"]
            # child_env pins every implementation to one thread; this row is the exception
            env = {**(env or {}), "NUMBA_NUM_THREADS": "2", "OMP_NUM_THREADS": "2"}
        if no_loop:
            cmd.append("--no-loop")
        t0 = time.perf_counter()
        # its own session, so that a timeout also ends what it started (Brian2's make and g++)
        proc = subprocess.Popen(
            cmd,
            cwd=RUNNERS,
            env=child_env(env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            stdout, stderr = proc.communicate(timeout=args.timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            return {"ok": False, "status": f"timeout ({args.timeout:g} s)", "seed": seed}
        except BaseException:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
        wall = time.perf_counter() - t0
        if out.exists():
            result = json.loads(out.read_text(encoding="utf-8"))
        else:
            tail = (stderr or stdout or "").strip().splitlines()[-3:]
            result = {
                "ok": False,
                "status": f"crashed (exit {proc.returncode})",
                "error": " | ".join(tail),
            }
    result["process_wall_s"] = wall
    result["seed"] = seed
    if result.get("ok") and "n_spikes" in result:
        result["rate_hz"] = result["n_spikes"] / result["n_neurons"] / result["bio_s"]
        result["loop_per_bio_s"] = result["loop_s"] / result["bio_s"]
    return result


def snapshot_engine(into: Path) -> Path:
    """Copy ``engine/`` and ``resources/`` to ``into``: every round runs the same code even
    while someone edits the working tree (a changed kernel source would also make Numba
    recompile, so a "warm" start would not be warm)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.nbi", "*.nbc")
    for name in ("engine", "resources"):
        shutil.copytree(ROOT / name, into / name, ignore=ignore)
    return into


def peer_status(python: str, impl: str) -> str | None:
    """None when the peer can be imported by ``python``, else why not."""
    if not Path(python).exists():
        return "not installed"
    probe = subprocess.run(
        [python, "-c", f"import {PEER_MODULES[impl]}"],
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    return None if probe.returncode == 0 else "not installed"


def ss_env(args: argparse.Namespace, numba_cache: Path) -> dict[str, str]:
    env = {"NUMBA_CACHE_DIR": str(numba_cache)}
    if args.engine_snapshot:
        env["PYTHONPATH"] = str(args.engine_snapshot)
    return env


# -- one case, all rounds ----------------------------------------------------------------------
def run_case(
    case: Case,
    impls: list[str],
    args: argparse.Namespace,
    peers: dict[str, str | None],
    numba_caches: dict[str, Path],
) -> list[Row]:
    rows = {impl: Row(impl) for impl in impls}
    for impl, row in rows.items():
        if impl.startswith("spikestudio") and case.unsupported:
            row.status = "not yet supported"
        elif impl in PEER_MODULES and peers.get(impl):
            row.status = peers[impl]
        elif impl == "nest" and case.n > args.nest_max_n:
            row.status = f"skipped (N > --nest-max-n {args.nest_max_n:,})"

    ss = rows.get("spikestudio")
    if ss is not None and ss.status is None:
        # Kernels are the same for every size of a family: one cold start per family, then
        # the rounds share its (now warm) cache.
        cache = numba_caches.get(case.name)
        if cache is None:
            cache = Path(tempfile.mkdtemp(prefix=f"bench-numba-{case.name}-"))
            numba_caches[case.name] = cache
            log(f"  {case.label}: SpikeStudio cold start (empty Numba cache)")
            cold = run_child(
                sys.executable,
                "spikestudio",
                case,
                1,
                args,
                no_loop=True,
                env=ss_env(args, cache),
            )
            if cold.get("ok"):
                # the first run ever: kernels compiled into an empty cache, then Run
                ss.cold_first_step_s = cold["kernels_s"] + cold["run_to_first_step_s"]
                ss.cold_fingerprint = cold.get("engine_fingerprint")
                ss.summary["cold_setup_s"] = cold["setup_s"]
            else:
                ss.status = f"failed: {cold.get('status')} {cold.get('error', '')}".strip()

    for r in range(args.rounds):
        for impl, row in rows.items():
            if row.status is not None:
                continue
            ours = impl.startswith("spikestudio")
            python = sys.executable if ours else args.peers_python
            env = ss_env(args, numba_caches[case.name]) if ours else {}
            result = run_child(python, impl, case, seed=r + 1, args=args, env=env)
            result["round"] = r + 1
            row.runs.append(result)
            if result.get("ok"):
                log(
                    f"  {case.label} round {r + 1}: {impl:<11} loop {result['loop_s']:8.3f} s"
                    f"  setup {result['setup_s']:7.2f} s  rate {result['rate_hz']:5.2f} Hz"
                )
            else:
                row.status = f"{result.get('status', 'failed')}: {result.get('error', '')}"
                log(f"  {case.label} round {r + 1}: {impl} {row.status}")
    summarise(case, list(rows.values()))
    return list(rows.values())


def summarise(case: Case, rows: list[Row]) -> None:
    """Medians over rounds, ratios to SpikeStudio and the rate-agreement flags."""
    for row in rows:
        ok = [r for r in row.runs if r.get("ok")]
        if row.status is not None or not ok:
            continue
        med = statistics.median
        s = row.summary
        s["rounds"] = len(ok)
        s["loop_per_bio_s"] = med(r["loop_per_bio_s"] for r in ok)
        s["loop_min_s"] = min(r["loop_per_bio_s"] for r in ok)
        s["setup_s"] = med(r["setup_s"] for r in ok)
        s["peak_rss_mb"] = med(r["peak_rss_mb"] for r in ok if r.get("peak_rss_mb") is not None)
        s["rate_hz"] = med(r["rate_hz"] for r in ok)
        s["rates_hz"] = [round(r["rate_hz"], 3) for r in ok]
        s["n_synapses"] = med(r["n_synapses"] for r in ok)
        s["syn_events_per_s"] = med(
            r["n_spikes"] * r["n_synapses"] / r["n_neurons"] / r["loop_s"] for r in ok
        )
        if row.impl == "spikestudio":
            s["first_step_warm_s"] = med(r["run_to_first_step_s"] for r in ok)
            s["first_step_cold_s"] = row.cold_first_step_s
            prints = {r.get("engine_fingerprint") for r in ok} | {row.cold_fingerprint}
            s["engine_fingerprints"] = sorted(p for p in prints if p)
            if len(s["engine_fingerprints"]) > 1:
                s["engine_changed"] = True
    measured = [row for row in rows if "rate_hz" in row.summary]
    reference = statistics.median(row.summary["rate_hz"] for row in measured) if measured else None
    ss_row = next((r for r in rows if r.impl == "spikestudio"), None)
    base = next(
        (r.summary for r in rows if r.impl == "spikestudio" and "loop_per_bio_s" in r.summary), None
    )
    for row in measured:
        s = row.summary
        flags = []
        if reference and abs(s["rate_hz"] / reference - 1) > RATE_TOLERANCE:
            flags.append(f"RATE differs from median {reference:.2f} Hz by > {RATE_TOLERANCE:.0%}")
        if case.name == "cuba":
            low, high = spec.CUBA_RATE_HZ
            if not low * (1 - CUBA_RANGE_SLACK) <= s["rate_hz"] <= high * (1 + CUBA_RANGE_SLACK):
                flags.append(f"RATE outside CUBA's {low}-{high} Hz")
        if s.get("engine_changed"):
            flags.append("engine/ changed between rounds (Numba recompiled; not comparable)")
        s["flags"] = flags
        if base is not None and row.impl != "spikestudio":
            # rounds are interleaved, so compare within a round (the machine's load drifts),
            # then take the median over rounds
            s["loop_ratio"] = _paired_ratio(row, ss_row, "loop_per_bio_s")
            s["setup_ratio"] = _paired_ratio(row, ss_row, "setup_s")
            s["loop_ratio_of_medians"] = s["loop_per_bio_s"] / base["loop_per_bio_s"]


def _paired_ratio(row: Row, base: Row, key: str) -> float:
    """Median over rounds of row / base, using the rounds both completed."""
    base_by_round = {r.get("round"): r for r in base.runs if r.get("ok")}
    ratios = [
        r[key] / base_by_round[r.get("round")][key]
        for r in row.runs
        if r.get("ok") and r.get("round") in base_by_round
    ]
    return statistics.median(ratios)


# -- output ------------------------------------------------------------------------------------
def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _f(value: float | None, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def table(results: list[tuple[Case, list[Row]]]) -> str:
    head = (
        "| benchmark | N | implementation | loop s / bio s | setup s | run to first step s "
        "(warm / cold cache) | peak RSS MB | rate Hz | syn. events/s | loop ratio peer/SS "
        "| setup ratio peer/SS | flags |"
    )
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for case, rows in results:
        for row in rows:
            s = row.summary
            cells = [case.name, f"{case.n:,}", TITLES[row.impl]]
            if "loop_per_bio_s" not in s:
                status = " ".join((row.status or "no result").replace("|", "/").split())
                cells += [status[:90] + ("..." if len(status) > 90 else "")] + ["-"] * 8
            else:
                first = "-"
                if row.impl == "spikestudio":
                    first = (
                        f"{_f(s['first_step_warm_s'], '.2f')} / {_f(s['first_step_cold_s'], '.1f')}"
                    )
                cells += [
                    f"{s['loop_per_bio_s']:.3f}",
                    f"{s['setup_s']:.2f}",
                    first,
                    _f(s.get("peak_rss_mb"), ".0f"),
                    f"{s['rate_hz']:.2f}",
                    f"{s['syn_events_per_s'] / 1e6:.1f} M",
                    _f(s.get("loop_ratio"), ".2f"),
                    _f(s.get("setup_ratio"), ".2f"),
                    "; ".join(s["flags"]) or "ok",
                ]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory_gib"] = round(int(line.split()[1]) / 2**20, 1)
                break
        info["load_average_at_start"] = os.getloadavg()
    except OSError:
        pass
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "engine"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        info["git_commit"] = commit + ("+dirty engine/" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        pass
    return info


def versions(results: list[tuple[Case, list[Row]]]) -> dict[str, str]:
    found = {}
    for _, rows in results:
        for row in rows:
            for run in row.runs:
                if run.get("version"):
                    found[row.impl] = run["version"]
    return found


def write_json(path: Path, args, started: str, results, info) -> None:
    document = {
        "started": started,
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": info,
        "versions": versions(results),
        "options": {k: v for k, v in vars(args).items()},
        "results": [
            {
                "benchmark": case.name,
                "n": case.n,
                "project": str(case.project.relative_to(ROOT)) if case.project else None,
                "implementations": {
                    row.impl: {"status": row.status, "summary": row.summary, "runs": row.runs}
                    for row in rows
                },
            }
            for case, rows in results
        ],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(document, indent=1, default=str) + "\n", encoding="utf-8")
    tmp.replace(path)


def load_results(paths: list[str]) -> list[tuple[Case, list[Row]]]:
    """The cases and rows stored in result files, in order."""
    results = []
    for path in paths:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
        for entry in document["results"]:
            case = Case(entry["benchmark"], entry["n"])
            rows = []
            for impl, data in entry["implementations"].items():
                row = Row(impl, runs=data["runs"], status=data["status"])
                row.cold_first_step_s = data["summary"].get("first_step_cold_s")
                rows.append(row)
            summarise(case, rows)
            results.append((case, rows))
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.show:
        print(table(load_results(args.show)), end="")
        return 0
    started = datetime.now(UTC).isoformat(timespec="seconds")
    path = (
        Path(args.json)
        if args.json
        else RESULTS / (datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + ".json")
    )
    impls = args.impls.split(",")
    peers = {impl: peer_status(args.peers_python, impl) for impl in impls if impl in PEER_MODULES}
    for impl, status in peers.items():
        if status:
            log(f"{TITLES[impl]}: {status} (looked in {args.peers_python}; `make bench-env`)")
    info = machine()
    log(f"machine: {info.get('cpu', '?')}, {info.get('cpus')} CPUs, {info.get('memory_gib')} GiB")
    numba_caches: dict[str, Path] = {}
    results: list[tuple[Case, list[Row]]] = []
    snapshot_dir = Path(tempfile.mkdtemp(prefix="bench-engine-"))
    args.engine_snapshot = None if args.live_engine else snapshot_engine(snapshot_dir)
    try:
        for case in cases(args):
            log(f"{case.label} ({args.rounds} round{'s' if args.rounds > 1 else ''})")
            results.append((case, run_case(case, impls, args, peers, numba_caches)))
            write_json(path, args, started, results, info)
    finally:
        for folder in [*numba_caches.values(), snapshot_dir]:
            shutil.rmtree(folder, ignore_errors=True)
    print(
        f"\nMedians of {args.rounds} interleaved round(s); loop = wall s of the simulation loop "
        f"per biological second; ratios > 1: SpikeStudio is faster.\n"
    )
    print(table(results))
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
