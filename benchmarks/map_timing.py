"""Mapping speed: wall time of ``map_and_report`` (what the hardware panel and ``spikestudio
map`` run, without ``--run``) for each project on each profile, one after the other.

    python benchmarks/map_timing.py [PROJECT ...] [--hardware NAME[,NAME...]]

Defaults: every project in ``projects/``, every shipped profile. Prints one line per pair
(seconds, cores, chips, fits, placement method). The first pair also pays for imports and
numba's first compile of the compiler kernels.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from engine.io.project_file import load_project  # noqa: E402
from hardware.profiles import list_profiles, load_profile  # noqa: E402
from hardware.report import map_and_report  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("projects", nargs="*", type=Path)
    parser.add_argument("--hardware", default=",".join(list_profiles()))
    args = parser.parse_args()
    projects = args.projects or sorted((HERE.parent / "projects").glob("*.snnproj"))
    for path in projects:
        network = load_project(path).network
        for name in args.hardware.split(","):
            start = time.perf_counter()
            report, mapping = map_and_report(network, load_profile(name))
            seconds = time.perf_counter() - start
            print(f"{path.name:24s} {name:12s} {seconds:7.3f} s  cores={report['cores_used']:<5d}"
                  f" chips={report['chips_used']:<3d} fits={report['fits']!s:5s}"
                  f" {mapping.placement.method}", flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
