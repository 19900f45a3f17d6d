"""Readers of event-camera and spike-dataset files, for the ``encoder.events`` node.

Each reader takes a local file (nothing is ever downloaded) and returns an :class:`EventStream`:
times in ms (float64) and either ``(x, y, polarity)`` pixel events or ``channel`` indices
(int64). :func:`load_events` turns either into ``(times_ms, channel)``. Problems with a file
raise :class:`~engine.errors.ValidationError` naming the node parameter at fault (``path``,
``format``, ``sample``, ``shape`` or ``size``).

Layouts
-------
``nmnist_bin`` (N-MNIST, N-Caltech101)
    40-bit big-endian records: x (8 bits), y (8 bits), polarity (1 bit), timestamp (23 bits,
    µs). A record with y = 240 is a timestamp-overflow marker: every later timestamp grows by
    2**13 µs (as in the datasets' own reader, Orchard et al. 2015).
``aedat`` version 3.1 (DVS-Gesture)
    ASCII header lines starting with ``#`` (the first is ``#!AER-DAT3.1``) up to
    ``#!END-HEADER``, then packets: a 28-byte little-endian header (int16 eventType, int16
    eventSource, int32 eventSize, eventTSOffset, eventTSOverflow, eventCapacity, eventNumber,
    eventValid) followed by eventCapacity events of eventSize bytes. Polarity events
    (eventType 1): uint32 data (bit 0 valid, bit 1 polarity, bits 2-16 y, bits 17-31 x) and an
    int32 timestamp in µs at eventTSOffset; the full time is ``eventTSOverflow << 31 | ts``.
    Invalid events and packets of other types are skipped.
``aedat`` version 2.0 (jAER; CIFAR10-DVS)
    ``#`` header lines (the first is ``#!AER-DAT2.0``), then big-endian pairs of uint32
    address and uint32 timestamp (µs). Addresses follow jAER's DVS128 layout: bit 0 is the
    polarity (0 = ON), bits 1-7 x, bits 8-14 y, bit 15 marks special (external) events, which
    are skipped. As the datasets' ``dat2mat.m`` does, x and y are flipped (127 - x, 127 - y)
    so that row 0 is the top of the image. Timestamps that wrap around 2**32 are unwrapped.
``hdf5`` (SHD, SSC)
    Ragged datasets ``spikes/times`` (seconds) and ``spikes/units`` (channel), one entry per
    sample; the ``sample`` parameter picks one. Needs the optional ``h5py`` package.
``npy``
    A structured array with fields ``t`` and ``x``, ``y``, ``p`` (or ``channel``), as tonic
    writes them, or a plain ``N x 4`` array of columns (t, x, y, p) or ``N x 2`` of
    (t, channel). Times in the ``time_unit`` parameter's unit.
``csv``
    A header row ``t,x,y,p`` or ``t,channel`` (any order), then one event per line.

Polarity is 1 for ON (brighter) and 0 for OFF; in npy/csv files any value > 0 means ON.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.errors import ValidationError
from engine.io.stimuli import TIME_UNITS_MS, read_csv_table, read_file_bytes, read_npy_array

#: Values of the ``format`` parameter.
FORMATS = ("auto", "nmnist_bin", "aedat", "hdf5", "npy", "csv")

#: File extensions ``format = "auto"`` recognises.
EXTENSIONS = {
    ".bin": "nmnist_bin",
    ".aedat": "aedat",
    ".aedat2": "aedat",
    ".aedat3": "aedat",
    ".h5": "hdf5",
    ".hdf5": "hdf5",
    ".npy": "npy",
    ".csv": "csv",
}

#: How pixel events map to channels (``polarity`` parameter).
POLARITY_MODES = ("separate", "merge")

NMNIST_OVERFLOW_Y = 240
NMNIST_OVERFLOW_US = 2**13
AEDAT3_HEADER_END = b"#!END-HEADER"
AEDAT3_PACKET_HEADER = struct.Struct("<hhiiiiii")
AEDAT3_POLARITY_EVENT = 1
DVS128_SIDE = 128
DVS128_SPECIAL = 0x8000

_FIELD_NAMES = {
    "t": ("t", "ts", "time", "times", "timestamp"),
    "x": ("x",),
    "y": ("y",),
    "p": ("p", "pol", "polarity"),
    "channel": ("channel", "ch", "unit", "units", "neuron"),
}


@dataclass(frozen=True)
class EventStream:
    """Events of one recording: ``times_ms`` and either ``channel`` or ``x``/``y``/``polarity``."""

    times_ms: np.ndarray
    channel: np.ndarray | None = None
    x: np.ndarray | None = None
    y: np.ndarray | None = None
    polarity: np.ndarray | None = None

    @property
    def has_pixels(self) -> bool:
        return self.channel is None

    def __len__(self) -> int:
        return int(self.times_ms.size)


def _problem(path: Path, message: str, param: str = "path") -> ValidationError:
    return ValidationError(f"{Path(path).name}: {message}", param)


def detect_format(path: Path, fmt: str = "auto") -> str:
    """The layout to read ``path`` with: ``fmt``, or for ``"auto"`` the one its extension says."""
    if fmt != "auto":
        return fmt
    found = EXTENSIONS.get(Path(path).suffix.lower())
    if found is None:
        known = ", ".join(sorted(EXTENSIONS))
        raise ValidationError(
            f"cannot tell the layout of {Path(path).name!r} from its extension ({known}); "
            "choose the format",
            "format",
        )
    return found


def read_event_file(
    path: Path, fmt: str = "auto", *, time_unit: str = "us", sample: int = 0
) -> EventStream:
    """Read the events of ``path`` in layout ``fmt`` (see the module docstring).

    ``time_unit`` applies to npy and csv files (the other layouts fix their unit); ``sample``
    picks a sample of an HDF5 file.
    """
    fmt = detect_format(path, fmt)
    if fmt == "nmnist_bin":
        return read_nmnist_bin(path)
    if fmt == "aedat":
        return read_aedat(path)
    if fmt == "hdf5":
        return read_hdf5(path, sample)
    if fmt == "npy":
        return read_npy_events(path, time_unit)
    if fmt == "csv":
        return read_csv_events(path, time_unit)
    raise ValidationError(f"unknown event file format {fmt!r}", "format")


def read_nmnist_bin(path: Path) -> EventStream:
    """N-MNIST / N-Caltech101 binary events (40-bit records, µs timestamps)."""
    data = read_file_bytes(path)
    if len(data) % 5:
        raise _problem(
            path, f"{len(data)} bytes is not a whole number of 5-byte N-MNIST events (truncated?)"
        )
    raw = np.frombuffer(data, np.uint8).reshape(-1, 5).astype(np.int64)
    x, y = raw[:, 0], raw[:, 1]
    polarity = raw[:, 2] >> 7
    ts = ((raw[:, 2] & 0x7F) << 16) | (raw[:, 3] << 8) | raw[:, 4]
    overflow = y == NMNIST_OVERFLOW_Y
    ts = ts + np.cumsum(overflow) * NMNIST_OVERFLOW_US
    keep = ~overflow
    return EventStream(ts[keep] * 1e-3, x=x[keep], y=y[keep], polarity=polarity[keep])


def read_aedat(path: Path) -> EventStream:
    """AEDAT 2.0 (jAER DVS128) or 3.1 (polarity packets) events, by the header's version."""
    data = read_file_bytes(path)
    version, start, header = _aedat_header(path, data)
    if version == "3.1":
        fmt = next((h.split(":", 1)[1].strip() for h in header if h.startswith("#Format:")), "RAW")
        if fmt.upper() != "RAW":
            raise _problem(path, f"AEDAT 3.1 format {fmt!r} is not supported (RAW is)")
        return _aedat3(path, data[start:])
    if version.startswith("2."):
        return _aedat2(path, data[start:])
    raise _problem(path, f"AEDAT version {version} is not supported (2.0 and 3.1 are)")


def _aedat_header(path: Path, data: bytes) -> tuple[str, int, list[str]]:
    if not data.startswith(b"#!AER-DAT"):
        raise _problem(path, "not an AEDAT file (the first line must be '#!AER-DAT<version>')")
    pos, lines = 0, []
    while pos < len(data) and data[pos : pos + 1] == b"#":
        end = data.find(b"\n", pos)
        if end < 0:
            raise _problem(path, "the AEDAT header never ends")
        line = data[pos:end].rstrip(b"\r").decode("latin-1")
        lines.append(line)
        pos = end + 1
        if line.startswith(AEDAT3_HEADER_END.decode()):
            break
    version = lines[0][len("#!AER-DAT") :].strip()
    if version == "3.1" and lines[-1] != AEDAT3_HEADER_END.decode():
        raise _problem(path, "the AEDAT 3.1 header has no '#!END-HEADER' line")
    return version, pos, lines


def _aedat2(path: Path, body: bytes) -> EventStream:
    if len(body) % 8:
        raise _problem(
            path, f"{len(body)} bytes of events is not a whole number of 8-byte AEDAT 2.0 events"
        )
    records = np.frombuffer(body, dtype=np.dtype([("address", ">u4"), ("ts", ">u4")]))
    address = records["address"].astype(np.int64)
    ts = records["ts"].astype(np.int64)
    ts = ts + np.cumsum(np.diff(ts, prepend=ts[:1]) < -(2**31)) * 2**32
    keep = (address & DVS128_SPECIAL) == 0
    address, ts = address[keep], ts[keep]
    x = DVS128_SIDE - 1 - ((address >> 1) & 0x7F)
    y = DVS128_SIDE - 1 - ((address >> 8) & 0x7F)
    polarity = 1 - (address & 1)
    return EventStream(ts * 1e-3, x=x, y=y, polarity=polarity)


def _aedat3(path: Path, body: bytes) -> EventStream:
    parts: list[tuple[np.ndarray, np.ndarray]] = []
    pos = 0
    header_size = AEDAT3_PACKET_HEADER.size
    while pos < len(body):
        if pos + header_size > len(body):
            raise _problem(path, f"truncated AEDAT 3.1 packet header at byte {pos} of the data")
        (kind, _source, size, ts_offset, ts_overflow, capacity, number, _valid) = (
            AEDAT3_PACKET_HEADER.unpack_from(body, pos)
        )
        pos += header_size
        if size <= 0 or capacity < 0 or not 0 <= number <= capacity:
            raise _problem(path, f"malformed AEDAT 3.1 packet header at byte {pos - header_size}")
        end = pos + capacity * size
        if end > len(body):
            raise _problem(path, f"truncated AEDAT 3.1 packet at byte {pos - header_size}")
        if kind == AEDAT3_POLARITY_EVENT and number:
            if size < 8 or not 0 <= ts_offset <= size - 4:
                raise _problem(path, f"malformed AEDAT 3.1 polarity packet at byte {pos}")
            records = np.frombuffer(body, np.uint8, number * size, pos).reshape(number, size)
            info = records[:, 0:4].copy().view("<u4").ravel().astype(np.int64)
            ts = records[:, ts_offset : ts_offset + 4].copy().view("<i4").ravel().astype(np.int64)
            ts |= np.int64(ts_overflow) << 31
            parts.append((info, ts))
        pos = end
    if not parts:
        return EventStream(np.zeros(0), x=_ints(0), y=_ints(0), polarity=_ints(0))
    info = np.concatenate([p[0] for p in parts])
    ts = np.concatenate([p[1] for p in parts])
    valid = (info & 1) == 1
    info, ts = info[valid], ts[valid]
    return EventStream(
        ts * 1e-3, x=(info >> 17) & 0x7FFF, y=(info >> 2) & 0x7FFF, polarity=(info >> 1) & 1
    )


def read_hdf5(path: Path, sample: int = 0) -> EventStream:
    """One sample of an SHD/SSC HDF5 file: ``spikes/times`` (s) and ``spikes/units``."""
    try:
        import h5py
    except ImportError:
        raise ValidationError(
            "install h5py to read HDF5 event files (pip install h5py)", "path"
        ) from None
    if not Path(path).is_file():
        read_file_bytes(path)  # raises the same "not found" / "is a folder" errors as elsewhere
    try:
        handle = h5py.File(path, "r")
    except OSError:
        raise _problem(path, "not an HDF5 file") from None
    with handle:
        try:
            times, units = handle["spikes"]["times"], handle["spikes"]["units"]
        except (KeyError, TypeError):
            raise _problem(
                path, "has no datasets 'spikes/times' and 'spikes/units' (the SHD/SSC layout)"
            ) from None
        count = min(len(times), len(units))
        if sample >= count:
            raise ValidationError(
                f"sample {sample} does not exist: {Path(path).name} holds {count} samples"
                + (f" (0 to {count - 1})" if count else ""),
                "sample",
            )
        t = np.asarray(times[sample], dtype=np.float64).ravel()
        channel = np.asarray(units[sample]).ravel()
    if t.size != channel.size:
        raise _problem(path, f"sample {sample} has {t.size} times but {channel.size} units")
    return EventStream(t * 1000.0, channel=_as_indices(path, channel, "channel"))


def read_npy_events(path: Path, time_unit: str = "us") -> EventStream:
    """Events of an NPY file: a structured array, or ``N x 4`` (t, x, y, p) / ``N x 2``."""
    array = read_npy_array(path)
    if array.dtype.names is not None:
        names = {name.lower(): name for name in array.dtype.names}
        columns = {}
        for key, aliases in _FIELD_NAMES.items():
            found = next((names[a] for a in aliases if a in names), None)
            if found is not None:
                columns[key] = np.asarray(array[found]).ravel()
        return _stream(path, columns, time_unit, "fields")
    if array.ndim == 2 and array.shape[1] in (2, 4):
        keys = ("t", "channel") if array.shape[1] == 2 else ("t", "x", "y", "p")
        return _stream(path, dict(zip(keys, array.T, strict=True)), time_unit, "fields")
    raise _problem(
        path,
        "must hold a structured array with fields t, x, y, p (or t, channel), or an N x 4 "
        f"(t, x, y, p) or N x 2 (t, channel) array; found shape {list(array.shape)}",
    )


def read_csv_events(path: Path, time_unit: str = "us") -> EventStream:
    """Events of a CSV file whose header names the columns: ``t,x,y,p`` or ``t,channel``."""
    header, table = read_csv_table(path)
    if header is None:
        raise _problem(path, "needs a header row: t,x,y,p or t,channel")
    names = {name.strip().lower(): i for i, name in enumerate(header)}
    columns = {}
    for key, aliases in _FIELD_NAMES.items():
        found = next((names[a] for a in aliases if a in names), None)
        if found is not None:
            columns[key] = table[:, found]
    return _stream(path, columns, time_unit, "columns")


def _stream(path: Path, columns: dict, time_unit: str, what: str) -> EventStream:
    if "t" not in columns or not ({"x", "y", "p"} <= columns.keys() or "channel" in columns):
        raise _problem(path, f"needs {what} t, x, y, p or t, channel")
    times = np.asarray(columns["t"], dtype=np.float64)
    if not np.all(np.isfinite(times)):
        raise _problem(path, "holds event times that are not finite")
    times = times * TIME_UNITS_MS[time_unit]
    if "channel" in columns and not {"x", "y", "p"} <= columns.keys():
        return EventStream(times, channel=_as_indices(path, columns["channel"], "channel"))
    polarity = (np.asarray(columns["p"], dtype=np.float64) > 0).astype(np.int64)
    return EventStream(
        times,
        x=_as_indices(path, columns["x"], "x"),
        y=_as_indices(path, columns["y"], "y"),
        polarity=polarity,
    )


def _as_indices(path: Path, values, name: str) -> np.ndarray:
    values = np.asarray(values)
    if values.dtype.kind == "b":
        values = values.astype(np.int64)
    if values.dtype.kind not in "iuf":
        raise _problem(path, f"{name} must be numbers (found {values.dtype})")
    as_float = values.astype(np.float64)
    bad = np.flatnonzero(~np.isfinite(as_float) | (as_float < 0) | (as_float != np.floor(as_float)))
    if bad.size:
        raise _problem(
            path, f"{name} must be whole numbers >= 0 (event {bad[0]}: {values[bad[0]]})"
        )
    return as_float.astype(np.int64)


def _ints(n: int) -> np.ndarray:
    return np.zeros(n, dtype=np.int64)


def event_channels(
    stream: EventStream, shape: list[int] | None, size: int, polarity: str = "separate"
) -> np.ndarray:
    """Channel of every event, checked against the node's ``size`` (and ``shape``).

    Pixel events map to ``polarity * rows * columns + y * columns + x`` with the shape
    ``[2, rows, columns]`` (``polarity = "separate"``), or to ``y * columns + x`` with
    ``[rows, columns]`` or ``[1, rows, columns]`` (``"merge"``: ON and OFF share a channel).
    """
    if not stream.has_pixels:
        channel = stream.channel
        if channel.size and channel.max() >= size:
            raise ValidationError(
                f"event channel {int(channel.max())} is outside the node's {size} channels",
                "size",
            )
        return channel
    if polarity == "separate":
        if shape is None or len(shape) != 3 or shape[0] != 2:
            raise ValidationError(
                "pixel events with separate polarities need the shape [2, rows, columns]",
                "shape",
            )
    elif shape is None or len(shape) == 3 and shape[0] != 1:
        raise ValidationError(
            "pixel events with merged polarities need the shape [rows, columns]", "shape"
        )
    rows, columns = shape[-2], shape[-1]
    for name, values, limit, side in (
        ("x", stream.x, columns, "columns"),
        ("y", stream.y, rows, "rows"),
    ):
        if values.size and values.max() >= limit:
            raise ValidationError(
                f"an event has {name} = {int(values.max())}, outside the shape's {limit} {side}",
                "shape",
            )
    channel = stream.y * columns + stream.x
    if polarity == "separate":
        channel = channel + stream.polarity * rows * columns
    return channel


def load_events(
    path: Path,
    fmt: str = "auto",
    *,
    shape: list[int] | None,
    size: int,
    polarity: str = "separate",
    time_unit: str = "us",
    sample: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """``(times_ms float64, channel int64)`` of the events of ``path``.

    Pixel events become channels as :func:`event_channels` says.
    """
    stream = read_event_file(path, fmt, time_unit=time_unit, sample=sample)
    return stream.times_ms.astype(np.float64), event_channels(stream, shape, size, polarity)
