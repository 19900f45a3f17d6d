"""Run a command and write its peak resident set size (MB) to ``$BENCH_RUSAGE_OUT``.

Brian2's standalone binary runs as a child of the Brian2 process, after the compiler did; this
wrapper (Brian2's ``run_cmd_unix``) measures the binary alone.
"""

from __future__ import annotations

import os
import subprocess
import sys


def main(argv: list[str]) -> int:
    child = subprocess.Popen(argv)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    out = os.environ.get("BENCH_RUSAGE_OUT")
    if out:
        with open(out, "w", encoding="ascii") as handle:
            handle.write(f"{usage.ru_maxrss / 1024.0}\n")
    return child.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
