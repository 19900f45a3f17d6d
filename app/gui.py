"""The desktop application's entry point, as the command line calls it.

``spikestudio`` and ``spikestudio open`` come here; this module checks that a window can be
shown and hands over to the editor (:func:`app.main_window.run`). The command line imports it
only for those two commands, so ``run``, ``validate`` and ``catalog`` never load Qt.
"""

from __future__ import annotations

import os
import sys

NO_DISPLAY_MESSAGE = (
    "spikestudio: no display found (DISPLAY and WAYLAND_DISPLAY are unset), so the window "
    "cannot open.\n"
    "  Simulate without a window:  spikestudio run FILE --out DIR\n"
    "  Render the window to a file: spikestudio open FILE --screenshot window.png\n"
    "  Force a Qt platform:         QT_QPA_PLATFORM=offscreen spikestudio open FILE"
)


def has_display() -> bool:
    """Whether a window can be shown (always on Windows and macOS; on Linux, an X11 or
    Wayland display, or an explicit ``QT_QPA_PLATFORM``)."""
    if not sys.platform.startswith("linux"):
        return True
    return any(os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def main(
    path: str | None = None, *, screenshot: str | None = None, run_ms: float | None = None
) -> int:
    """Open the editor, optionally on a project file.

    Parameters
    ----------
    path
        Project to open, or ``None`` for an empty project.
    screenshot
        If given, render the window offscreen into this PNG file and return instead of
        running the event loop.
    run_ms
        Simulate this many ms of biological time in the window (before the screenshot).

    Returns
    -------
    int
        0 on success, 1 if the project or the screenshot cannot be loaded or written, 2 if
        there is no display to show the window on.
    """
    if screenshot is None and not has_display():
        print(NO_DISPLAY_MESSAGE, file=sys.stderr)
        return 2
    if screenshot is not None and not has_display():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import qInstallMessageHandler

    from app.main_window import run

    qInstallMessageHandler(_quiet_offscreen_warnings)
    return run(path, screenshot, run_ms=run_ms)


def _quiet_offscreen_warnings(kind, context, message: str) -> None:
    """Drop the offscreen platform's note that it cannot resize windows; pass on the rest."""
    if "propagateSizeHints" in message:
        return
    print(message, file=sys.stderr)
