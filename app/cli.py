"""The ``spikestudio`` command.

``run``, ``validate``, ``catalog`` and ``map`` never import Qt (``run`` loads it only to draw
``report.png``); ``open`` and the bare command start the desktop application.

Exit codes: 0 success, 1 a file or a run failed, 2 usage error, 3 internal error (a bug),
130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
import traceback
from collections.abc import Sequence
from typing import Any

from engine import __version__
from engine.errors import (
    MemoryBudgetError,
    ProjectFileError,
    SimulationError,
    ValidationError,
)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130

PROG = "spikestudio"
ISSUES_HINT = (
    "This is a bug in SpikeStudio. Please report it with the command you ran and the project "
    "file; set SPIKESTUDIO_DEBUG=1 to see the full traceback."
)


# -- the parser -------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``spikestudio`` and its subcommands."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=(
            "SpikeStudio: build, simulate and inspect spiking neural networks. Without a "
            "command, opens the desktop application."
        ),
        epilog=(
            "Exit codes: 0 success, 1 invalid file or failed run, 2 usage error, "
            "3 internal error. Run 'spikestudio COMMAND --help' for a command's options."
        ),
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.set_defaults(handler=_cmd_open, file=None, screenshot=None, run_ms=None)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="simulate a project without a window and write its results",
        description=(
            "Simulate a project file headless and write summary.json, results.npz and "
            "report.png into the output folder (see docs/cli.md for their content)."
        ),
    )
    run.add_argument("file", metavar="FILE", help="project file (.snnproj)")
    run.add_argument(
        "--duration",
        metavar="MS",
        type=float,
        help="simulated time in ms (default: the project's duration_ms)",
    )
    run.add_argument(
        "--seed", metavar="N", type=int, help="seed of every random draw (default: the project's)"
    )
    run.add_argument(
        "--out",
        metavar="DIR",
        help="output folder, created if needed (default: out/<file name without suffix>)",
    )
    run.add_argument("--no-report", action="store_true", help="do not draw report.png (no Qt)")
    run.add_argument(
        "--record",
        metavar="FILE",
        help="also write every spike and sample to FILE (.spkrec) while the run goes "
        "(see docs/file-format.md)",
    )
    run.add_argument(
        "--threads",
        metavar="N",
        type=int,
        default=1,
        help="run on N threads (parallel mode: same results, faster for large networks on "
        "idle cores; default 1)",
    )
    run.add_argument(
        "--quiet", "-q", action="store_true", help="print nothing but errors, show no progress"
    )
    run.set_defaults(handler=_cmd_run)

    validate = commands.add_parser(
        "validate",
        help="check project files without running them",
        description=(
            "Check project files: syntax, schema version, node types, parameters and the "
            "wiring rules of the graph. Prints 'FILE: ok' or one line per problem."
        ),
    )
    validate.add_argument("files", metavar="FILE", nargs="+", help="project files to check")
    validate.set_defaults(handler=_cmd_validate)

    catalog = commands.add_parser(
        "catalog",
        help="list every node type with its ports and parameters",
        description="List every node type: id, category, title, ports and parameters.",
    )
    formats = catalog.add_mutually_exclusive_group()
    formats.add_argument(
        "--json", action="store_true", help="print a JSON list of node type descriptions"
    )
    formats.add_argument(
        "--markdown", action="store_true", help="print Markdown tables (for the documentation)"
    )
    catalog.set_defaults(handler=_cmd_catalog)

    map_ = commands.add_parser(
        "map",
        help="map a project onto neuromorphic hardware cores (no Qt)",
        description=(
            "Place a project's neurons on the cores of a hardware profile, check every "
            "per-core limit and write mapping.json and mapping.png into the output folder. "
            "With --run, simulate it and estimate energy from the spikes (see docs/hardware.md)."
        ),
    )
    map_.add_argument("file", metavar="FILE", nargs="?", help="project file (.snnproj)")
    map_.add_argument(
        "--hardware",
        metavar="NAME",
        help="a profile id (see --list) or the path of a profile JSON file",
    )
    map_.add_argument("--list", action="store_true", help="list the hardware profiles and exit")
    map_.add_argument(
        "--run", action="store_true", help="simulate, then count events and estimate energy"
    )
    map_.add_argument("--duration", metavar="MS", type=float, help="simulated time in ms for --run")
    map_.add_argument(
        "--time-base",
        choices=("real_time", "as_fast_as_possible"),
        default="real_time",
        help="wall time of the chip for energy: its real-time tick (default) or as fast as "
        "possible",
    )
    map_.add_argument(
        "--quantized",
        action="store_true",
        help="also run the quantized emulation (chip weight bits and tick) and compare spikes",
    )
    map_.add_argument(
        "--out",
        metavar="DIR",
        help="output folder, created if needed (default: out/<file name without suffix>)",
    )
    map_.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors")
    map_.set_defaults(handler=_cmd_map)

    open_ = commands.add_parser(
        "open",
        help="open the desktop application (the default command)",
        description="Open the desktop application, optionally with a project file.",
    )
    open_.add_argument("file", metavar="FILE", nargs="?", help="project file to open")
    open_.add_argument(
        "--screenshot",
        metavar="PNG",
        help="render the window offscreen into PNG and exit instead of showing it",
    )
    open_.add_argument(
        "--run",
        metavar="MS",
        type=float,
        dest="run_ms",
        help="simulate MS ms of biological time in the window first (with --screenshot: "
        "render the live plots, then exit)",
    )
    open_.set_defaults(handler=_cmd_open)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``spikestudio`` command with ``argv`` (``sys.argv[1:]`` by default).

    Returns the exit code; never raises for user errors.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, --version and usage errors
        return _exit_code(stop.code)
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        _err("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # the reader of our output went away (``spikestudio catalog | head``): not an error
        _silence_stdout()
        return EXIT_OK
    except Exception as err:  # a bug: say so plainly, without a traceback
        if os.environ.get("SPIKESTUDIO_DEBUG"):
            traceback.print_exc()
        _err(f"internal error: {type(err).__name__}: {err}")
        _err(ISSUES_HINT)
        return EXIT_INTERNAL


def _exit_code(code: Any) -> int:
    if code is None:
        return EXIT_OK
    if isinstance(code, int):
        return code
    _err(str(code))
    return EXIT_USAGE


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


#: What loading, building or running a project raises when the user's file or settings are
#: at fault (every command that runs a project reports them the same way).
PROJECT_ERRORS = (ProjectFileError, ValidationError, MemoryBudgetError, SimulationError)


def _project_failed(file: str, err: Exception) -> int:
    """Print a project error, one line per problem, naming the file; the exit code."""
    if isinstance(err, ProjectFileError):
        for problem in err.problems:
            _err(f"{file}: {problem}")
    elif isinstance(err, MemoryBudgetError):
        _err(f"{file}: cannot build the network: {err}")
    elif isinstance(err, SimulationError):
        _err(f"{file}: the simulation failed: {err}")
    else:
        _err(f"{file}: {err}")
    return EXIT_FAILED


def _write_failed(file: str, what: str, err: OSError) -> int:
    where = f" ({err.filename})" if err.filename else ""
    _err(f"{file}: cannot write {what}{where}: {err.strerror or err}")
    return EXIT_FAILED


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


# -- run ---------------------------------------------------------------------------------------
def _cmd_run(args: argparse.Namespace) -> int:
    from app.headless import OptionError, ReportError, run_project
    from engine.io.recording import RecordingError

    try:
        run_project(
            args.file,
            duration_ms=args.duration,
            seed=args.seed,
            out_dir=args.out,
            progress=not args.quiet,
            report=not args.no_report,
            quiet=args.quiet,
            record_to=args.record,
            threads=args.threads,
        )
    except OptionError as err:
        _err(f"{PROG} run: error: {err}")
        return EXIT_USAGE
    except RecordingError as err:
        _err(f"{args.file}: {err}")
        return EXIT_FAILED
    except PROJECT_ERRORS as err:
        return _project_failed(args.file, err)
    except ReportError as err:
        _err(f"{args.file}: {err}")
        return EXIT_FAILED
    except OSError as err:
        return _write_failed(args.file, "the results", err)
    return EXIT_OK


# -- validate ----------------------------------------------------------------------------------
def _cmd_validate(args: argparse.Namespace) -> int:
    from engine.io.project_file import load_project
    from engine.model.checks import check_network

    status = EXIT_OK
    for name in args.files:
        try:
            project = load_project(name)
        except ProjectFileError as err:
            for problem in err.problems:
                print(f"{name}: {problem}")
            status = EXIT_FAILED
            continue
        report = check_network(project.network)
        for problem in report.errors:
            print(f"{name}: {problem}")
        if report.ok:
            print(f"{name}: ok")
        else:
            status = EXIT_FAILED
        for warning in report.warnings:
            print(f"{name}: warning: {warning}")
    return status


# -- catalog -----------------------------------------------------------------------------------
def _cmd_catalog(args: argparse.Namespace) -> int:
    from engine.model.catalog import default_catalog

    types = list(default_catalog())
    if args.json:
        text = json.dumps([t.describe() for t in types], indent=2, ensure_ascii=False)
        print(text)
    elif args.markdown:
        print(catalog_markdown(types), end="")
    else:
        print(catalog_text(types), end="")
    return EXIT_OK


def _default_text(spec) -> str:
    if spec.default is None:
        return "empty"
    if isinstance(spec.default, str):
        return spec.default
    return json.dumps(spec.default, ensure_ascii=False)


def _limits_text(spec) -> str:
    """Bounds, choices and what else a value may be, in words."""
    parts = []
    if spec.kind == "choice":
        parts.append("one of " + ", ".join(spec.choices))
    elif spec.kind == "bool":
        parts.append("true or false")
    elif spec.kind == "times":
        parts.append("sorted times > 0 ms")
    elif spec.kind == "indices":
        parts.append("indices >= 0")
    bounds = spec.bounds_text()
    if bounds:
        parts.append(("integer " if spec.kind == "int" else "") + bounds)
    elif spec.kind == "int":
        parts.append("integer")
    if spec.allow_distribution:
        parts.append("or a distribution")
    if spec.optional:
        parts.append("or empty (null)")
    return "; ".join(parts)


def _port_text(port) -> str:
    arrow = "→" if port.direction == "out" else "←"
    flags = [flag for flag, on in (("required", port.required), ("many", port.multi)) if on]
    suffix = f" ({', '.join(flags)})" if flags else ""
    return f"{port.name} {arrow} {port.kind}{suffix}"


def catalog_text(types) -> str:
    """Plain-text listing of node types, grouped by category."""
    from engine.model.catalog import CATEGORY_TITLES

    lines: list[str] = []
    category = None
    for node_type in types:
        if node_type.category != category:
            category = node_type.category
            if lines:
                lines.append("")
            title = CATEGORY_TITLES.get(category, category)
            lines += [title, "=" * len(title)]
        lines.append("")
        lines.append(
            f"{node_type.type_id}  {node_type.title}  "
            f"[{node_type.category}, version {node_type.version}]"
        )
        first_line = node_type.doc.splitlines()[0] if node_type.doc else ""
        lines += textwrap.wrap(first_line, 96, initial_indent="  ", subsequent_indent="  ")
        lines.append("  ports:  " + ";  ".join(_port_text(p) for p in node_type.ports))
        if not node_type.params:
            lines.append("  params: none")
            continue
        rows = [("param", "default", "unit", "allowed", "description")]
        for spec in node_type.params:
            live = " (live)" if spec.live else ""
            rows.append(
                (spec.name, _default_text(spec), spec.unit, _limits_text(spec), spec.doc + live)
            )
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        for row in rows:
            cells = [row[i].ljust(widths[i]) for i in range(4)] + [row[4]]
            lines.append("    " + "  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def catalog_markdown(types) -> str:
    """Markdown: one section per category, one per node type with port and parameter tables."""
    from engine.model.catalog import CATEGORY_TITLES

    out: list[str] = []
    category = None
    for node_type in types:
        if node_type.category != category:
            category = node_type.category
            out += [f"## {CATEGORY_TITLES.get(category, category)}", ""]
        out += [f"### {node_type.title} (`{node_type.type_id}`)", ""]
        meta = f"Category `{node_type.category}`, version {node_type.version}."
        if node_type.legacy_ids:
            meta += " Also read as " + ", ".join(f"`{i}`" for i in node_type.legacy_ids) + "."
        out += [meta, ""]
        out += _doc_markdown(node_type.doc)
        out += ["| Port | Direction | Kind | Wires | Description |", "|---|---|---|---|---|"]
        for port in node_type.ports:
            wires = "many" if port.multi or port.direction == "out" else "one"
            if port.required:
                wires += ", required"
            out.append(
                f"| `{port.name}` | {port.direction} | {port.kind} | {wires} | {_md(port.doc)} |"
            )
        out.append("")
        if node_type.params:
            out += [
                "| Parameter | Default | Unit | Allowed values | Description |",
                "|---|---|---|---|---|",
            ]
            for spec in node_type.params:
                default = f"`{_md(json.dumps(spec.default, ensure_ascii=False))}`"
                doc = spec.doc + (" (live: can change during a run)" if spec.live else "")
                out.append(
                    f"| `{spec.name}` | {default} | {_md(spec.unit)} | "
                    f"{_md(_limits_text(spec))} | {_md(doc)} |"
                )
            out.append("")
        else:
            out += ["No parameters.", ""]
        if node_type.state_vars:
            variables = ", ".join(f"`{k}` ({v})" for k, v in node_type.state_vars.items())
            out += [f"State variables a state recorder can sample: {variables}.", ""]
    return "\n".join(out)


def _doc_markdown(doc: str) -> list[str]:
    """A node type's doc as Markdown: indented lines (equations) become code blocks."""
    out: list[str] = []
    block: list[str] = []
    paragraph: list[str] = []

    def flush_paragraph() -> None:
        if paragraph:
            out.extend([" ".join(paragraph), ""])
            paragraph.clear()

    def flush_block() -> None:
        if block:
            out.extend(["```text", *block, "```", ""])
            block.clear()

    for line in doc.splitlines():
        if line.startswith("  "):
            flush_paragraph()
            block.append(line[2:])
        elif line.strip():
            flush_block()
            paragraph.append(line.strip())
    flush_paragraph()
    flush_block()
    return out


# -- map ---------------------------------------------------------------------------------------
def _cmd_map(args: argparse.Namespace) -> int:
    from pathlib import Path

    from app.headless import default_out_dir
    from engine.io.atomic import write_atomically
    from engine.io.project_file import load_project
    from hardware.profiles import ProfileError, list_profiles, load_profile
    from hardware.report import draw_report, dumps, map_and_report

    if args.list:
        for name in list_profiles():
            profile = load_profile(name)
            print(f"{name:<14} {profile.name}  ({profile.cores_per_chip} cores/chip, "
                  f"energy {profile.energy_scope})")  # fmt: skip
        return EXIT_OK
    if not args.file or not args.hardware:
        _err(f"{PROG} map: error: FILE and --hardware NAME are required (or --list)")
        return EXIT_USAGE
    try:
        profile = load_profile(args.hardware)
    except ProfileError as err:
        for problem in err.problems:
            _err(f"{err.source}: {problem}")
        return EXIT_FAILED
    try:
        project = load_project(args.file)
        if args.duration is not None:
            project.network.set_setting("duration_ms", args.duration)
        report, mapping = map_and_report(
            project.network,
            profile,
            run=args.run,
            duration_ms=args.duration,
            time_base=args.time_base,
            quantized=args.quantized,
            project_name=project.name,
        )
    except PROJECT_ERRORS as err:
        return _project_failed(args.file, err)
    out = Path(args.out) if args.out else default_out_dir(args.file)
    try:
        out.mkdir(parents=True, exist_ok=True)
        write_atomically(out / "mapping.json", lambda handle: handle.write(dumps(report)))
        draw_report(report, mapping, out / "mapping.png")
    except OSError as err:
        return _write_failed(args.file, "the mapping", err)
    if not args.quiet:
        print(map_summary(report, out), end="")
    return EXIT_OK


def map_summary(report: dict[str, Any], out_dir: Any = None) -> str:
    """The text ``spikestudio map`` prints: verdict, violations, energy."""
    verdict = "fits" if report["fits"] else "does not fit"
    lines = [
        f"{report['hardware_name']}: {report['cores_used']} core(s) on "
        f"{report['chips_used']} chip(s); {verdict}"
    ]
    for violation in report["violations"]:
        if violation["severity"] != "info":
            lines.append(f"  {violation['severity']}: {violation['message']}")
    energy = report.get("energy")
    if energy:

        def joules(value: Any) -> str:
            return "not priced" if value is None else f"{value:.4g} J"

        split = (
            "static and dynamic not separated"
            if energy["scope"] == "all_in"
            else f"static {joules(energy['static_j'])}, dynamic {joules(energy['dynamic_j'])}"
        )
        lines.append(
            f"energy ({energy['time_base'].replace('_', ' ')}, {energy['scope'].replace('_', ' ')}"
            f"): total {joules(energy['total_j'])}, {split}"
        )
        if energy["unpriced"]:
            lines.append(f"  unpriced: {', '.join(energy['unpriced'])}")
    if out_dir is not None:
        lines.append(f"mapping in {out_dir}{os.sep}")
    return "\n".join(lines) + "\n"


# -- open --------------------------------------------------------------------------------------
def _cmd_open(args: argparse.Namespace) -> int:
    try:
        from app.gui import main as gui_main
    except ImportError as err:
        _err(f"{PROG}: cannot start the desktop application, Qt is not usable here: {err}")
        _err("Simulations work without it: spikestudio run FILE")
        return EXIT_FAILED
    return gui_main(args.file, screenshot=args.screenshot, run_ms=args.run_ms)


def console_main() -> None:
    """Entry point for ``python -m app.cli``."""
    sys.exit(main())


if __name__ == "__main__":
    console_main()
