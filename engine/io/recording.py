"""Recording a run to disk while it runs (``.spkrec`` files), and reading it back.

A :class:`RecordingWriter` receives every chunk of a run, in order, and appends it to one file;
it keeps nothing in memory, so a run of any length records in constant memory. The file is a
sequence of frames::

    b"SPKREC\\n"                                  magic, once
    frame:  kind (1 byte) | length (uint64 LE) | payload | crc32 of payload (uint32 LE)

    H  header, JSON: format marker, version, dt, seed, groups, recorders, plastic projections
    I  initial weights and synapses of the plastic projections (a ``.npz`` archive)
    C  one chunk: spikes, spike counts per step and group, recorder samples (``.npz``)
    F  weights of the plastic projections at the end (``.npz``), written on close
    E  end, JSON: ``{"status": "complete" | "stopped" | "failed", "message": ...}``

Every frame is written whole, then flushed; a frame cut short (disk full, power loss) or
damaged fails its length or checksum and :func:`load_recording` ends there, so a recording
always loads up to its last complete chunk. If a write fails, the writer truncates the file
back to the end of the last complete frame and raises :class:`RecordingError`. The ``.npz``
payloads hold only numeric arrays and are read with ``allow_pickle=False``. The layout is
documented in ``docs/file-format.md``; only numpy is needed to write or read it.
"""

from __future__ import annotations

import io
import json
import os
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

import numpy as np

from engine import __version__
from engine.errors import SpikeStudioError
from engine.io.results import ProjectionWeights, StateTrace, WeightTrace
from engine.sim.simulator import Chunk, Simulator

FORMAT = "spikestudio-recording"
VERSION = 1
SUFFIX = ".spkrec"
MAGIC = b"SPKREC\n"
_FRAME_HEAD = struct.Struct("<cQ")
_CRC = struct.Struct("<I")
#: A frame longer than this is taken as damage, not data (a chunk is a few MB at most).
MAX_FRAME_BYTES = 1 << 34


class RecordingError(SpikeStudioError):
    """A recording that cannot be written or read.

    Parameters
    ----------
    path
        The recording file.
    message
        What went wrong, in words (``"No space left on device"``).
    """

    def __init__(self, path: str | os.PathLike[str], message: str) -> None:
        self.path = str(path)
        self.message = message
        super().__init__(f"{self.path}: {message}")


def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _npz_arrays(payload: bytes) -> dict[str, np.ndarray]:
    with np.load(io.BytesIO(payload), allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


class RecordingWriter:
    """Appends the chunks of one run to a ``.spkrec`` file.

    Parameters
    ----------
    path
        The file; it is created or replaced.
    simulator
        The simulator about to run (its current step starts the recording; its current weights
        are the initial ones).
    name
        Project name, kept in the header.

    Raises
    ------
    RecordingError
        The file cannot be created or written.
    """

    def __init__(self, path: str | os.PathLike[str], simulator: Simulator, name: str = "") -> None:
        self.path = os.fspath(path)
        compiled = simulator.compiled
        self.dt_ms = float(compiled.dt_ms)
        self.step_start = int(simulator.step)
        self.n_steps = 0
        self._traces = [t.recorder_id for t in compiled.traces]
        self._weight_traces = [t.recorder_id for t in compiled.weight_traces]
        self._plastic = [p for p in compiled.projections if p.plastic_index >= 0]
        self._final = {p.node_id: simulator.plastic_weights(p.node_id) for p in self._plastic}
        self._good = 0  # bytes of complete frames
        self._handle: IO[bytes] | None = None
        try:
            self._handle = open(self.path, "wb")  # noqa: SIM115 (kept open for the run)
        except OSError as err:
            raise self._error(err) from None
        names = {g.node_id: g.name for g in compiled.groups}
        header = {
            "format": FORMAT,
            "version": VERSION,
            "spikestudio_version": __version__,
            "name": name,
            "dt_ms": self.dt_ms,
            "seed": int(compiled.seed),
            "step_start": self.step_start,
            "groups": [
                {
                    "name": g.name,
                    "type": g.type_id,
                    "start": int(g.start),
                    "size": int(g.size),
                    "recorded": bool(g.recorded),
                }
                for g in compiled.groups
            ],
            "traces": [
                {
                    "name": t.name,
                    "population": t.population,
                    "variable": t.variable,
                    "unit": t.unit,
                    "neurons": [int(n) for n in t.neurons],
                }
                for t in compiled.traces
            ],
            "weight_traces": [
                {"name": t.name, "projection": t.projection, "width": int(t.width)}
                for t in compiled.weight_traces
            ],
            "plastic": [
                {"name": p.name, "pre": names[p.pre], "post": names[p.post]} for p in self._plastic
            ],
        }
        initial: dict[str, np.ndarray] = {}
        for k, projection in enumerate(self._plastic):
            pre, post = simulator.synapses(projection.node_id)
            initial[f"{k}/weights"] = np.asarray(self._final[projection.node_id])
            initial[f"{k}/pre"] = np.asarray(pre, dtype=np.int64)
            initial[f"{k}/post"] = np.asarray(post, dtype=np.int64)
        self._write(MAGIC)
        self._frame(b"H", json.dumps(header, ensure_ascii=False).encode("utf-8"))
        self._frame(b"I", _npz_bytes(initial))

    @property
    def closed(self) -> bool:
        return self._handle is None

    @property
    def t_stop_ms(self) -> float:
        """End of the recorded time (ms)."""
        return (self.step_start + self.n_steps) * self.dt_ms

    def append(self, chunk: Chunk) -> None:
        """Write the next chunk (chunks must follow each other without gaps)."""
        expected = self.step_start + self.n_steps
        if chunk.step_start != expected:
            raise ValueError(
                f"chunk starts at step {chunk.step_start}, but the recording expects {expected}"
            )
        arrays = {
            "step_start": np.int64(chunk.step_start),
            "n_steps": np.int64(chunk.n_steps),
            "spike_steps": np.asarray(chunk.spike_steps, dtype=np.int64),
            "spike_neurons": np.asarray(chunk.spike_neurons, dtype=np.int64),
            "group_counts": np.asarray(chunk.group_counts),
        }
        for k, recorder_id in enumerate(self._traces):
            trace = chunk.traces[recorder_id]
            arrays[f"trace{k}/times_ms"] = trace.times_ms
            arrays[f"trace{k}/values"] = trace.values
        for k, recorder_id in enumerate(self._weight_traces):
            trace = chunk.weight_traces[recorder_id]
            arrays[f"weight_trace{k}/times_ms"] = trace.times_ms
            arrays[f"weight_trace{k}/values"] = trace.values
        self._frame(b"C", _npz_bytes(arrays))
        self.n_steps += chunk.n_steps
        if chunk.weights:
            self._final = {p.node_id: chunk.weights[p.node_id] for p in self._plastic}

    def close(self, status: str = "complete", message: str = "") -> None:
        """Write the final weights and the end frame, sync the file and close it.

        ``status`` is ``"complete"`` (the run reached its duration), ``"stopped"`` or
        ``"failed"`` (``message`` says why). Closing twice does nothing.
        """
        if self._handle is None:
            return
        try:
            final = {f"{k}/weights": self._final[p.node_id] for k, p in enumerate(self._plastic)}
            self._frame(b"F", _npz_bytes(final))
            end = {"status": status, "message": message, "n_steps": self.n_steps}
            self._frame(b"E", json.dumps(end).encode("utf-8"))
            self._handle.flush()
            os.fsync(self._handle.fileno())
        except OSError as err:
            raise self._error(err) from None
        finally:
            self._release()

    def abandon(self) -> None:
        """Close the file without the end frames (after a write error): it ends with the last
        complete chunk."""
        self._release()

    def _release(self) -> None:
        handle, self._handle = self._handle, None
        if handle is not None:
            try:
                handle.close()
            except OSError:
                pass

    def _frame(self, kind: bytes, payload: bytes) -> None:
        data = _FRAME_HEAD.pack(kind, len(payload)) + payload + _CRC.pack(zlib.crc32(payload))
        self._write(data)

    def _write(self, data: bytes) -> None:
        if self._handle is None:
            raise RecordingError(self.path, "the recording is closed")
        try:
            self._handle.write(data)
            self._handle.flush()
        except OSError as err:
            self._rewind()
            raise self._error(err) from None
        self._good += len(data)

    def _rewind(self) -> None:
        """Drop a frame cut short by a failed write, so that the file ends on a whole frame."""
        handle = self._handle
        try:
            handle.seek(self._good)
            handle.truncate(self._good)
        except (OSError, ValueError):
            pass  # the reader stops at a partial frame anyway
        self._release()

    def _error(self, err: OSError) -> RecordingError:
        reason = err.strerror or str(err)
        t_ms = self.t_stop_ms
        held = f"; the file holds the run up to t = {t_ms:.1f} ms" if self._good else ""
        return RecordingError(self.path, f"cannot write the recording: {reason}{held}")


@dataclass
class Recording:
    """A recording read back by :func:`load_recording`.

    Attributes
    ----------
    header
        The header frame (format, version, ``dt_ms``, ``seed``, ``groups``, recorders).
    status
        ``"complete"``, ``"stopped"``, ``"failed"``, or ``"truncated"`` when the file ends
        without its end frame (the writer died or the disk filled up).
    spike_steps, spike_neurons
        Every spike of the recorded groups: step index and global neuron id, in time order.
    group_counts
        Spikes per step and group, shape ``(n_steps, n_groups)``, for every group.
    traces, weight_traces
        Samples of the state and weight recorders, by recorder name.
    weights
        Initial and final weights of the plastic projections, by projection name (``final`` is
        the last complete chunk's when the file was cut short).
    """

    header: dict[str, Any]
    status: str
    message: str
    step_start: int
    n_steps: int
    spike_steps: np.ndarray
    spike_neurons: np.ndarray
    group_counts: np.ndarray
    traces: dict[str, StateTrace] = field(default_factory=dict)
    weight_traces: dict[str, WeightTrace] = field(default_factory=dict)
    weights: dict[str, ProjectionWeights] = field(default_factory=dict)

    @property
    def dt_ms(self) -> float:
        return float(self.header["dt_ms"])

    @property
    def duration_ms(self) -> float:
        return self.n_steps * self.dt_ms

    @property
    def spike_times_ms(self) -> np.ndarray:
        """Time of every spike (ms): a spike of step ``n`` happens at ``(n + 1) * dt``."""
        return (self.spike_steps + 1) * self.dt_ms

    @property
    def group_names(self) -> list[str]:
        return [g["name"] for g in self.header["groups"]]


def iter_frames(path: str | os.PathLike[str]) -> Iterator[tuple[bytes, bytes]]:
    """The complete frames of a recording, ``(kind, payload)``, in file order; stops quietly at
    a frame that is cut short or damaged.

    Raises
    ------
    RecordingError
        The file cannot be opened or is not a SpikeStudio recording.
    """
    try:
        handle = open(path, "rb")  # noqa: SIM115 (closed in finally, across yields)
    except OSError as err:
        raise RecordingError(path, f"cannot read it: {err.strerror or err}") from None
    try:
        if handle.read(len(MAGIC)) != MAGIC:
            raise RecordingError(path, "not a SpikeStudio recording (.spkrec)")
        while True:
            head = handle.read(_FRAME_HEAD.size)
            if len(head) < _FRAME_HEAD.size:
                return
            kind, length = _FRAME_HEAD.unpack(head)
            if length > MAX_FRAME_BYTES:
                return
            payload = handle.read(length)
            crc = handle.read(_CRC.size)
            if len(payload) < length or len(crc) < _CRC.size:
                return
            if _CRC.unpack(crc)[0] != zlib.crc32(payload):
                return
            yield kind, payload
    finally:
        handle.close()


def iter_chunks(path: str | os.PathLike[str]) -> Iterator[dict[str, np.ndarray]]:
    """The chunks of a recording one at a time, as the arrays the writer stored (for files too
    large to load whole): ``step_start``, ``n_steps``, ``spike_steps``, ``spike_neurons``,
    ``group_counts``, ``trace<k>/times_ms``, ``trace<k>/values``... (``k`` indexes the
    header's ``traces`` and ``weight_traces`` lists)."""
    for kind, payload in iter_frames(path):
        if kind == b"C":
            yield _npz_arrays(payload)


def load_recording(path: str | os.PathLike[str]) -> Recording:
    """Read a whole ``.spkrec`` file into memory.

    A file cut short loads up to its last complete chunk, with ``status == "truncated"``.

    Raises
    ------
    RecordingError
        The file cannot be read, is not a recording, or was written by a newer SpikeStudio.
    """
    header: dict[str, Any] | None = None
    initial: dict[str, np.ndarray] = {}
    final: dict[str, np.ndarray] = {}
    end: dict[str, Any] = {}
    chunks: list[dict[str, np.ndarray]] = []
    try:
        for kind, payload in iter_frames(path):
            if kind == b"H":
                header = json.loads(payload.decode("utf-8"))
                _check_header(path, header)
            elif header is None:
                raise RecordingError(path, "the header is missing")
            elif kind == b"I":
                initial = _npz_arrays(payload)
            elif kind == b"C":
                chunks.append(_npz_arrays(payload))
            elif kind == b"F":
                final = _npz_arrays(payload)
            elif kind == b"E":
                end = json.loads(payload.decode("utf-8"))
    except (ValueError, KeyError, OSError) as err:  # a damaged npz or JSON payload
        raise RecordingError(path, f"damaged recording: {err}") from None
    if header is None:
        raise RecordingError(path, "the file ends before its header")
    return _assemble(header, initial, final, end, chunks)


def _check_header(path, header: Any) -> None:
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise RecordingError(path, "not a SpikeStudio recording (its header has no format marker)")
    version = header.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise RecordingError(
            path,
            f"recording version {version!r} is newer than this SpikeStudio reads ({VERSION}); "
            "update SpikeStudio",
        )


def _assemble(
    header: dict[str, Any],
    initial: dict[str, np.ndarray],
    final: dict[str, np.ndarray],
    end: dict[str, Any],
    chunks: list[dict[str, np.ndarray]],
) -> Recording:
    n_groups = len(header["groups"])

    def cat(key: str, dtype, width: int | None = None) -> np.ndarray:
        parts = [c[key] for c in chunks]
        if parts:
            return np.concatenate(parts).astype(dtype, copy=False)
        return np.zeros((0,) if width is None else (0, width), dtype=dtype)

    traces = {
        t["name"]: StateTrace(
            t["name"],
            t["population"],
            t["variable"],
            t["unit"],
            np.asarray(t["neurons"], dtype=np.int64),
            cat(f"trace{k}/times_ms", np.float64),
            cat(f"trace{k}/values", np.float64, len(t["neurons"])),
        )
        for k, t in enumerate(header["traces"])
    }
    weight_traces = {
        t["name"]: WeightTrace(
            t["name"],
            t["projection"],
            cat(f"weight_trace{k}/times_ms", np.float64),
            cat(f"weight_trace{k}/values", np.float64, int(t["width"])),
        )
        for k, t in enumerate(header["weight_traces"])
    }
    weights = {}
    for k, p in enumerate(header["plastic"]):
        start = initial.get(f"{k}/weights", np.zeros(0))
        last = final.get(f"{k}/weights", start)
        weights[p["name"]] = ProjectionWeights(
            p["name"],
            p["pre"],
            p["post"],
            start,
            last,
            initial.get(f"{k}/pre", np.zeros(0, dtype=np.int64)),
            initial.get(f"{k}/post", np.zeros(0, dtype=np.int64)),
        )
    n_steps = int(sum(int(c["n_steps"]) for c in chunks))
    return Recording(
        header=header,
        status=str(end.get("status", "truncated")),
        message=str(end.get("message", "")),
        step_start=int(header.get("step_start", 0)),
        n_steps=n_steps,
        spike_steps=cat("spike_steps", np.int64),
        spike_neurons=cat("spike_neurons", np.int64),
        group_counts=cat("group_counts", np.int32, n_groups),
        traces=traces,
        weight_traces=weight_traces,
        weights=weights,
    )
