"""Writers of tiny stimulus and event files in the layouts real datasets use.

Each writer is written from the format's description (not from the engine's reader), so that a
test that writes known events and reads them back through the engine checks the reader against
the layout, not against itself.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

# -- PNG ------------------------------------------------------------------------------------------
_COLOUR_TYPES = {1: 0, 2: 4, 3: 2, 4: 6}  # samples per pixel -> PNG colour type


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _paeth(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    p = a + b - c
    pa, pb, pc = np.abs(p - a), np.abs(p - b), np.abs(p - c)
    return np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c))


def _filtered(kind: int, row: np.ndarray, prev: np.ndarray, bpp: int) -> np.ndarray:
    """One scanline filtered with PNG filter ``kind`` (0 None ... 4 Paeth), as bytes."""
    row, prev = row.astype(np.int64), prev.astype(np.int64)
    a = np.concatenate([np.zeros(bpp, np.int64), row[:-bpp]])
    c = np.concatenate([np.zeros(bpp, np.int64), prev[:-bpp]])
    predictor = {
        0: np.zeros_like(row),
        1: a,
        2: prev,
        3: (a + prev) // 2,
        4: _paeth(a, prev, c),
    }[kind]
    return ((row - predictor) % 256).astype(np.uint8)


def write_png(
    path: Path,
    pixels: np.ndarray,
    *,
    bit_depth: int = 8,
    filters: Sequence[int] = (0, 1, 2, 3, 4),
    palette: np.ndarray | None = None,
    interlace: int = 0,
) -> Path:
    """Write ``pixels`` (rows, columns[, samples]) as a PNG, cycling through ``filters`` row by
    row. With ``palette`` (n x 3 uint8) the pixels are palette indices (colour type 3)."""
    pixels = np.asarray(pixels)
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    height, width, samples = pixels.shape
    colour = 3 if palette is not None else _COLOUR_TYPES[samples]
    if bit_depth == 16:
        values = pixels.astype(">u2").view(np.uint8).reshape(height, -1)
    elif bit_depth == 8:
        values = pixels.astype(np.uint8).reshape(height, -1)
    else:
        bits = (pixels[:, :, 0, None] >> np.arange(bit_depth - 1, -1, -1)) & 1
        values = np.packbits(bits.reshape(height, -1).astype(np.uint8), axis=1)
    bpp = max(1, samples * bit_depth // 8)
    raw = bytearray()
    prev = np.zeros(values.shape[1], np.uint8)
    for r in range(height):
        kind = filters[r % len(filters)]
        raw.append(kind)
        raw += _filtered(kind, values[r], prev, bpp).tobytes()
        prev = values[r]
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour, 0, 0, interlace)
    body = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
    if palette is not None:
        body += _chunk(b"PLTE", np.asarray(palette, np.uint8).tobytes())
    body += _chunk(b"IDAT", zlib.compress(bytes(raw)))
    body += _chunk(b"IEND", b"")
    path.write_bytes(body)
    return path


# -- CSV ------------------------------------------------------------------------------------------
def write_csv(path: Path, header: Sequence[str] | None, rows: Sequence[Sequence[float]]) -> Path:
    lines = ["# written by tests/engine/sample_files.py"]
    if header is not None:
        lines.append(",".join(header))
    lines += [",".join(repr(float(v)) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# -- event files ----------------------------------------------------------------------------------
def write_nmnist_bin(
    path: Path,
    x: Sequence[int],
    y: Sequence[int],
    p: Sequence[int],
    t_us: Sequence[int],
    *,
    overflow_before: Sequence[int] = (),
) -> Path:
    """N-MNIST / N-Caltech101 binary: 5 bytes per event, x | y | p(1 bit) ts(23 bits), big-endian.

    Before each event index in ``overflow_before`` a timestamp-overflow record (y = 240) is
    written; the timestamps that follow are stored 2**13 µs smaller per marker, as a reader
    that adds 2**13 µs per marker expects.
    """
    out = bytearray()
    markers = 0
    for i, (xi, yi, pi, ti) in enumerate(zip(x, y, p, t_us, strict=True)):
        if i in overflow_before:
            markers += 1
            out += bytes([0, 240, 0, 0, 0])
        stored = int(ti) - markers * 2**13
        assert 0 <= stored < 2**23
        word = (int(pi) << 23) | stored
        out += bytes([int(xi), int(yi), (word >> 16) & 0xFF, (word >> 8) & 0xFF, word & 0xFF])
    path.write_bytes(bytes(out))
    return path


def write_aedat31(
    path: Path,
    packets: Sequence[dict],
) -> Path:
    """AEDAT 3.1 as DVS-Gesture uses it: a text header, then packets of polarity events.

    Each packet is ``{"x", "y", "p", "t_us"}`` (lists; ``"valid"`` optional, default all 1), or
    ``{"type": k, "n": n}`` for a packet of ``n`` 8-byte events of another type (filler that a
    reader must skip). Times are split into the packet's tsOverflow (t >> 31) and the event's
    31-bit timestamp; all events of a packet must share the overflow.
    """
    out = bytearray(
        b"#!AER-DAT3.1\r\n"
        b"#Format: RAW\r\n"
        b"#Source 1: DVS128\r\n"
        b"#Start-Time: 2017-01-01 00:00:00 (TZ+0000)\r\n"
        b"#!END-HEADER\r\n"
    )
    for packet in packets:
        if "type" in packet:
            n = packet["n"]
            out += struct.pack("<hhiiiiii", packet["type"], 1, 8, 4, 0, n, n, n)
            out += bytes(range(8)) * n
            continue
        t = [int(v) for v in packet["t_us"]]
        valid = packet.get("valid", [1] * len(t))
        overflow = {v >> 31 for v in t}
        assert len(overflow) == 1
        n = len(t)
        out += struct.pack("<hhiiiiii", 1, 1, 8, 4, overflow.pop(), n, n, sum(valid))
        for xi, yi, pi, ti, vi in zip(packet["x"], packet["y"], packet["p"], t, valid, strict=True):
            data = (int(xi) << 17) | (int(yi) << 2) | (int(pi) << 1) | int(vi)
            out += struct.pack("<Ii", data, ti & 0x7FFFFFFF)
    path.write_bytes(bytes(out))
    return path


def write_aedat2_dvs128(
    path: Path,
    x: Sequence[int],
    y: Sequence[int],
    p: Sequence[int],
    t_us: Sequence[int],
    *,
    special_before: Sequence[int] = (),
) -> Path:
    """AEDAT 2.0 (jAER) from a DVS128, as CIFAR10-DVS: big-endian uint32 address, uint32 time.

    jAER's DVS128 address: bit 0 = 1 - polarity (0 is ON), bits 1-7 the sensor x, bits 8-14
    the sensor y, bit 15 a special event. The sensor's x and y are flipped relative to image
    coordinates (the datasets' ``dat2mat.m`` computes x = 127 - x_sensor, y = 127 - y_sensor),
    so the image (x, y) is written as sensor (127 - x, 127 - y). Before each index in
    ``special_before`` a special event is written.
    """
    out = bytearray(
        b"#!AER-DAT2.0\r\n"
        b"# This is a raw AE data file - do not edit\r\n"
        b"# Data format is int32 address, int32 timestamp (8 bytes total), repeated for each "
        b"event\r\n"
        b"# Timestamps tick is 1 us\r\n"
        b"# created Mon Jan 01 00:00:00 CET 2016\r\n"
    )
    for i, (xi, yi, pi, ti) in enumerate(zip(x, y, p, t_us, strict=True)):
        if i in special_before:
            out += struct.pack(">II", 0x8000, int(ti))
        address = ((127 - int(yi)) << 8) | ((127 - int(xi)) << 1) | (1 - int(pi))
        out += struct.pack(">II", address, int(ti))
    path.write_bytes(bytes(out))
    return path


def write_shd_h5(path: Path, samples: Sequence[tuple[Sequence[float], Sequence[int]]]) -> Path:
    """SHD/SSC layout: ragged ``spikes/times`` (float16 seconds) and ``spikes/units`` (uint16),
    one entry per sample, plus ``labels``."""
    import h5py

    with h5py.File(path, "w") as f:
        spikes = f.create_group("spikes")
        times = spikes.create_dataset("times", (len(samples),), dtype=h5py.vlen_dtype(np.float16))
        units = spikes.create_dataset("units", (len(samples),), dtype=h5py.vlen_dtype(np.uint16))
        for i, (t, u) in enumerate(samples):
            times[i] = np.asarray(t, np.float16)
            units[i] = np.asarray(u, np.uint16)
        f.create_dataset("labels", data=np.arange(len(samples), dtype=np.uint16))
    return path


def write_npy_events_structured(path: Path, x, y, p, t) -> Path:
    """A tonic-style structured array with fields x, y, t, p."""
    dtype = np.dtype([("x", np.int16), ("y", np.int16), ("t", np.int64), ("p", bool)])
    array = np.empty(len(t), dtype=dtype)
    array["x"], array["y"], array["t"], array["p"] = x, y, t, p
    np.save(path, array)
    return path
