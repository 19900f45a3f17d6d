"""What every runner shares: its command line, its clock and how it reports.

A runner is started by ``run_all.py`` in a fresh interpreter, builds one benchmark model, runs
it and writes one JSON object to the file given by ``--out``. Standard library only: the peer
runners import this from the peers' environment.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent.parent
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

import spec  # noqa: E402  (re-exported: the runners find the model definitions through here)

__all__ = ["BENCH_DIR", "parse_args", "peak_rss_mb", "report", "spec"]


def parse_args(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--model", required=True, help="benchmark name (cuba, coba, stdp, delays)")
    parser.add_argument("--n", type=int, required=True, help="number of neurons")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--duration-ms", type=float, default=1000.0)
    parser.add_argument("--project", help="SpikeStudio project file")
    parser.add_argument(
        "--no-loop", action="store_true", help="stop after the first step (setup only)"
    )
    parser.add_argument("--threads", type=int, default=1, help="SpikeStudio's parallel mode")
    parser.add_argument("--out", required=True, help="JSON file for the result")
    return parser.parse_args()


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident set size (MB) of this process (or of its waited-for children)."""
    return resource.getrusage(who).ru_maxrss / 1024.0  # Linux reports KiB


def report(args: argparse.Namespace, body: Callable[[argparse.Namespace], dict[str, Any]]) -> int:
    """Run ``body`` and write its result, or the error it raised, to ``args.out``."""
    try:
        result = {"ok": True, **body(args)}
    except NotImplementedError as err:
        result = {"ok": False, "status": "not supported", "error": str(err)}
    except Exception as err:  # noqa: BLE001  (any failure becomes a row that says why)
        result = {
            "ok": False,
            "status": "failed",
            "error": f"{type(err).__name__}: {err}",
            "traceback": traceback.format_exc(limit=8),
        }
    result.setdefault("pid", os.getpid())
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0 if result["ok"] else 1
