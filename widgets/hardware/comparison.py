"""The current design on every profile, side by side, computed off the GUI thread."""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from engine.errors import SpikeStudioError
from hardware.compare import ALL_IN_SPLIT, compare_profiles, write_csv
from widgets.hardware.energy import si

#: Table columns: row key, header, tooltip.
TABLE_COLUMNS = (
    ("name", "Platform", "The hardware profile"),
    ("cores_used", "Cores", "Cores the design uses"),
    ("chips_used", "Chips", "Chips the design needs"),
    ("fits", "Fits", "No violation of severity error"),
    ("errors", "Errors", "Violations that stop the design from fitting"),
    ("warnings", "Warnings", "Violations that change behaviour or are unconfirmed"),
    ("infos", "Notes", "Informational notices"),
    ("static_j_per_s", "Static W", "Static energy per second of simulated time (real time)"),
    ("dynamic_j_per_s", "Dynamic W", "Dynamic energy per second of simulated time"),
    (
        "total_j_per_s",
        "Total W",
        "Total energy per second of simulated time (= average power at the real-time time base)",
    ),
)


class ComparisonWorker(QObject):
    """Runs :func:`hardware.compare.compare_profiles` on its thread."""

    progressed = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, network, profiles, duration_ms: float | None) -> None:
        super().__init__()
        self.network, self.profiles, self.duration_ms = network, profiles, duration_ms
        self.cancel = threading.Event()

    def work(self) -> None:
        try:
            rows = compare_profiles(
                self.network,
                self.profiles,
                duration_ms=self.duration_ms,
                progress=self.progressed.emit,
                cancelled=self.cancel.is_set,
            )
        except SpikeStudioError as err:
            self.failed.emit(str(err))
            return
        except Exception as err:  # noqa: BLE001 - reported in the dialog, not as a traceback
            self.failed.emit(f"{type(err).__name__}: {err}")
            return
        self.finished.emit(rows)


class ComparisonDialog(QDialog):
    """One row per profile: cores, chips, verdict, violations and energy per simulated second.

    Parameters
    ----------
    network
        A snapshot of the design (the dialog never sees later edits).
    profiles
        The profiles to compare.
    duration_ms
        Simulated time of the run that is priced.
    """

    def __init__(self, network, profiles, duration_ms: float | None = None, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Compare platforms")
        self.resize(860, 380)
        self.rows: list[dict[str, Any]] = []
        self.status = QLabel(
            f"Simulating the design, then mapping it on {len(profiles)} platforms…"
        )
        self.status.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setRange(0, len(profiles) + 1)
        self.progress.setToolTip("One step for the simulation, one per platform")
        self.table = QTableWidget(0, len(TABLE_COLUMNS))
        self.table.setHorizontalHeaderLabels([c[1] for c in TABLE_COLUMNS])
        for k, (_, _, tip) in enumerate(TABLE_COLUMNS):
            self.table.horizontalHeaderItem(k).setToolTip(tip)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setToolTip("Save the table as a CSV file")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self.ask_export)
        close = QPushButton("Close")
        close.setToolTip("Close (a comparison still running is cancelled)")
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.progress, 1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

        self.worker = ComparisonWorker(network, list(profiles), duration_ms)
        self.thread = QThread(self)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.work)
        self.worker.progressed.connect(self._progressed)
        self.worker.finished.connect(self._finished)
        self.worker.failed.connect(self._failed)
        self.worker.finished.connect(self.thread.quit)
        self.worker.failed.connect(self.thread.quit)

    def start(self) -> None:
        self.thread.start()

    def _progressed(self, done: int, total: int, what: str) -> None:
        self.progress.setValue(done)
        self.status.setText(f"{what} done ({done} of {total} steps)…")

    def _finished(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, (key, _, _) in enumerate(TABLE_COLUMNS):
                item = QTableWidgetItem(cell_text(row, key))
                if key not in ("name", "fits"):
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                if row["unpriced"] and key.endswith("_per_s"):
                    item.setToolTip("Not priced: " + ", ".join(row["unpriced"]))
                self.table.setItem(r, c, item)
        self.progress.setValue(self.progress.maximum())
        self.status.setText(
            "Energy per second of simulated time at the real-time time base (the average "
            "power in watts), from one run priced on each platform; 'not priced' where the "
            "platform publishes no figure, and a total marked ≥ leaves such terms out."
        )
        self.export_button.setEnabled(bool(rows))

    def _failed(self, message: str) -> None:
        self.status.setText(f"The comparison stopped: {message}")

    def ask_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export comparison", "comparison.csv", "CSV files (*.csv)"
        )
        if path:
            self.export_csv(path)

    def export_csv(self, path: str) -> None:
        try:
            write_csv(self.rows, path)
        except OSError as err:
            self.status.setText(f"Could not write {path}: {err.strerror or err}")
            return
        self.status.setText(f"Wrote {path}")

    def done(self, result: int) -> None:  # noqa: D102 (Qt override)
        self.worker.cancel.set()
        self.thread.quit()
        self.thread.wait(60_000)
        super().done(result)


def cell_text(row: dict[str, Any], key: str) -> str:
    value = row[key]
    if key == "fits":
        return "yes" if value else "no"
    if key.endswith("_per_s"):
        if value is None and key in ALL_IN_SPLIT and row["energy_scope"] == "all_in":
            return "in total"
        if key == "total_j_per_s" and value is not None and row["unpriced"]:
            return f"≥ {si(value, 'W')}"  # unpriced terms are left out: a lower bound
        return si(value, "W")
    return f"{value:,}" if isinstance(value, int) else str(value)
