"""Stimulus files for encoders: greyscale images (PNG, NPY), value vectors and CSV time series.

Qt-free and dependency-free: PNG files are decoded here with :mod:`zlib` and :mod:`struct`
(every non-interlaced PNG: greyscale, RGB, palette, with or without alpha, 1 to 16 bits).
Every loader raises :class:`~engine.errors.ValidationError` whose ``field`` names the node
parameter at fault (``"path"`` unless said otherwise); builders prefix it with the node's
position, so a user sees ``nodes[2].params.path: ...`` and never a traceback.
"""

from __future__ import annotations

import csv
import io
import math
import struct
import zlib
from pathlib import Path

import numpy as np

from engine.errors import ValidationError
from engine.sim.jit import njit

#: Milliseconds per unit of a time column.
TIME_UNITS_MS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}

#: Methods :func:`resize` knows.
RESIZE_METHODS = ("area", "nearest")

#: Weights of R, G and B in the grey level of a colour image (ITU-R BT.601 luma).
LUMA = (0.299, 0.587, 0.114)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# colour type -> (samples per pixel, allowed bit depths)
_PNG_COLOUR_TYPES = {
    0: (1, (1, 2, 4, 8, 16)),  # greyscale
    2: (3, (8, 16)),  # RGB
    3: (1, (1, 2, 4, 8)),  # palette
    4: (2, (8, 16)),  # greyscale + alpha
    6: (4, (8, 16)),  # RGBA
}


def read_file_bytes(path: Path, param: str = "path") -> bytes:
    """The bytes of ``path``; a missing or unreadable file is a :class:`ValidationError`."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise ValidationError(f"file not found: {path}", param) from None
    except IsADirectoryError:
        raise ValidationError(f"is a folder, not a file: {path}", param) from None
    except OSError as err:
        raise ValidationError(f"cannot read {path}: {err.strerror or err}", param) from None


# -- images ---------------------------------------------------------------------------------------
def read_image(path: Path, param: str = "path") -> np.ndarray:
    """A greyscale image as float64 ``(rows, columns)``.

    PNG: samples are scaled to [0, 1] by the largest value of their bit depth (255 for 8-bit);
    colour becomes grey as ``0.299 R + 0.587 G + 0.114 B``; alpha is ignored. NPY: a 2-D array,
    or ``(rows, columns, 3 or 4)`` colour; unsigned integers are scaled by their type's
    maximum, booleans become 0/1, floats and signed integers are kept as they are.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".png":
        return read_png(path, param)
    if suffix == ".npy":
        return _image_from_array(read_npy_array(path, param), path, param)
    raise ValidationError(f"{path.name}: images must be .png or .npy files", param)


def _image_from_array(array: np.ndarray, path: Path, param: str) -> np.ndarray:
    if array.ndim == 3 and array.shape[2] in (3, 4):
        return _grey(_scaled(array, path, param))
    if array.ndim == 2:
        return _scaled(array, path, param)
    raise ValidationError(
        f"{path.name}: an image must be a 2-D array (rows, columns) or "
        f"(rows, columns, 3 or 4); this one has shape {list(array.shape)}",
        param,
    )


def read_values(path: Path, param: str = "path") -> np.ndarray:
    """Numbers to encode, from an image (``.png``/``.npy``, kept 2-D) or an NPY vector."""
    path = Path(path)
    if path.suffix.lower() == ".npy":
        array = read_npy_array(path, param)
        if array.ndim == 1:
            return _scaled(array, path, param)
        return _image_from_array(array, path, param)
    return read_image(path, param)


def read_npy_array(path: Path, param: str = "path") -> np.ndarray:
    """A numeric NPY array (never unpickled)."""
    data = read_file_bytes(path, param)
    try:
        array = np.load(io.BytesIO(data), allow_pickle=False)
    except ValueError as err:
        raise ValidationError(
            f"{Path(path).name}: not a readable .npy file ({err})", param
        ) from None
    except (OSError, EOFError):
        raise ValidationError(f"{Path(path).name}: not a readable .npy file", param) from None
    if not isinstance(array, np.ndarray):
        raise ValidationError(f"{Path(path).name}: holds several arrays (.npz); use .npy", param)
    return array


def _scaled(array: np.ndarray, path: Path, param: str) -> np.ndarray:
    if array.dtype.names is not None or array.dtype.kind not in "biuf":
        raise ValidationError(f"{path.name}: must hold numbers (dtype {array.dtype})", param)
    if array.dtype.kind == "u":
        return array.astype(np.float64) / np.iinfo(array.dtype).max
    result = array.astype(np.float64)
    if not np.all(np.isfinite(result)):
        raise ValidationError(f"{path.name}: holds values that are not finite", param)
    return result


def _grey(pixels: np.ndarray) -> np.ndarray:
    """Grey level of ``(..., channels)`` pixels: 1 or 2 channels (grey, alpha), 3 or 4 (RGB)."""
    if pixels.shape[-1] <= 2:
        return pixels[..., 0]
    return pixels[..., 0] * LUMA[0] + pixels[..., 1] * LUMA[1] + pixels[..., 2] * LUMA[2]


def read_png(path: Path, param: str = "path") -> np.ndarray:
    """Decode a non-interlaced PNG file into grey levels in [0, 1], shape ``(rows, columns)``."""
    path = Path(path)
    data = read_file_bytes(path, param)
    name = path.name

    def bad(message: str) -> ValidationError:
        return ValidationError(f"{name}: {message}", param)

    if not data.startswith(PNG_SIGNATURE):
        raise bad("not a PNG file (the PNG signature is missing)")
    header = None
    palette = None
    compressed = []
    pos = len(PNG_SIGNATURE)
    while True:
        if pos + 8 > len(data):
            raise bad("truncated PNG file (no IEND chunk)")
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        crc = data[pos + 8 + length : pos + 12 + length]
        if len(body) < length or len(crc) < 4:
            raise bad(f"truncated PNG file (chunk {kind!r} is cut short)")
        if zlib.crc32(kind + body) != struct.unpack(">I", crc)[0]:
            raise bad(f"damaged PNG file (checksum of chunk {kind!r} does not match)")
        pos += 12 + length
        if kind == b"IHDR":
            if length != 13:
                raise bad("damaged PNG file (bad IHDR chunk)")
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"PLTE":
            if length % 3:
                raise bad("damaged PNG file (bad palette)")
            palette = np.frombuffer(body, np.uint8).reshape(-1, 3)
        elif kind == b"IDAT":
            compressed.append(body)
        elif kind == b"IEND":
            break
    if header is None:
        raise bad("damaged PNG file (no IHDR chunk)")
    width, height, depth, colour, compression, filtering, interlace = header
    if colour not in _PNG_COLOUR_TYPES or depth not in _PNG_COLOUR_TYPES[colour][1]:
        raise bad(f"unsupported PNG colour type {colour} with bit depth {depth}")
    if compression != 0 or filtering != 0:
        raise bad("unsupported PNG compression or filter method")
    if interlace != 0:
        raise bad("interlaced (Adam7) PNG files are not supported; save it without interlacing")
    if width == 0 or height == 0:
        raise bad("the image is empty")
    if colour == 3 and palette is None:
        raise bad("damaged PNG file (a palette image without a PLTE chunk)")
    samples = _PNG_COLOUR_TYPES[colour][0]
    bits_per_pixel = samples * depth
    stride = (width * bits_per_pixel + 7) // 8
    try:
        raw = zlib.decompress(b"".join(compressed))
    except zlib.error as err:
        raise bad(f"damaged PNG file (image data: {err})") from None
    if len(raw) < height * (stride + 1):
        raise bad("damaged PNG file (too little image data)")
    rows = np.frombuffer(raw, np.uint8)[: height * (stride + 1)].reshape(height, stride + 1)
    pixels, bad_row = _unfilter(rows, max(1, bits_per_pixel // 8))
    if bad_row >= 0:
        raise bad(f"damaged PNG file (unknown filter type in row {bad_row})")
    if depth == 16:
        values = (pixels[:, 0::2].astype(np.uint32) << 8) | pixels[:, 1::2]
        values = values.reshape(height, width, samples)
    elif depth == 8:
        values = pixels.reshape(height, width, samples)
    else:
        bits = np.unpackbits(pixels, axis=1).reshape(height, -1, depth)
        weights = 1 << np.arange(depth - 1, -1, -1)
        values = (bits * weights).sum(axis=2)[:, :width].reshape(height, width, 1)
    if colour == 3:
        index = values[..., 0]
        if index.max() >= len(palette):
            raise bad("damaged PNG file (a pixel refers past the end of the palette)")
        return _grey(palette[index].astype(np.float64) / 255.0)
    return _grey(values.astype(np.float64) / float((1 << depth) - 1))


@njit
def _unfilter(rows, bpp):
    """Undo PNG row filters (None, Sub, Up, Average, Paeth); returns (bytes, bad row or -1)."""
    height, width = rows.shape[0], rows.shape[1] - 1
    out = np.zeros((height, width), np.uint8)
    for r in range(height):
        kind = rows[r, 0]
        if kind > 4:
            return out, r
        for i in range(width):
            x = np.int64(rows[r, i + 1])
            a = np.int64(out[r, i - bpp]) if i >= bpp else np.int64(0)
            b = np.int64(out[r - 1, i]) if r > 0 else np.int64(0)
            c = np.int64(out[r - 1, i - bpp]) if r > 0 and i >= bpp else np.int64(0)
            if kind == 1:
                x += a
            elif kind == 2:
                x += b
            elif kind == 3:
                x += (a + b) // 2
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                if pa <= pb and pa <= pc:
                    x += a
                elif pb <= pc:
                    x += b
                else:
                    x += c
            out[r, i] = x & 0xFF
    return out, -1


def resize(image: np.ndarray, rows: int, columns: int, method: str = "area") -> np.ndarray:
    """Resize a 2-D image to ``(rows, columns)``.

    ``area``: each output pixel is the mean of the input over the area it covers, input pixels
    cut by its edges counting by the fraction inside (box filter; exact for integer factors,
    and for enlarging it repeats pixels, blending those cut by an edge). ``nearest``: each
    output pixel takes the input pixel under its centre.
    """
    if method == "nearest":
        r = np.minimum(
            ((np.arange(rows) + 0.5) * image.shape[0] / rows).astype(np.int64), image.shape[0] - 1
        )
        c = np.minimum(
            ((np.arange(columns) + 0.5) * image.shape[1] / columns).astype(np.int64),
            image.shape[1] - 1,
        )
        return image[np.ix_(r, c)].astype(np.float64)
    return _area_weights(image.shape[0], rows) @ image @ _area_weights(image.shape[1], columns).T


def _area_weights(n_in: int, n_out: int) -> np.ndarray:
    """``(n_out, n_in)`` matrix: overlap of input cell j with output cell i, over i's width."""
    edges = np.arange(n_out + 1) * (n_in / n_out)
    j = np.arange(n_in)
    overlap = np.minimum(edges[1:, None], j[None, :] + 1) - np.maximum(edges[:-1, None], j)
    return np.clip(overlap, 0.0, None) / (n_in / n_out)


def image_for_shape(image: np.ndarray, shape: list[int] | None, method: str) -> np.ndarray:
    """Resize a 2-D ``image`` to a population shape ``[rows, columns]`` or ``[1, rows, columns]``
    and flatten it row by row."""
    if shape is None:
        raise ValidationError("needs a shape [rows, columns] to resize the image to", "shape")
    if len(shape) == 3 and shape[0] != 1:
        raise ValidationError(
            "a greyscale image fills [rows, columns] or [1, rows, columns], not "
            f"{shape[0]} channels",
            "shape",
        )
    rows, columns = shape[-2], shape[-1]
    return resize(image, rows, columns, method).ravel()


def normalise(values: np.ndarray, mode: str, param: str) -> np.ndarray:
    """Values as numbers in [0, 1].

    ``min_max``: ``(v - min) / (max - min)`` (if all values are equal: 1 where they are > 0,
    else 0). ``none``: the values must already lie in [0, 1].
    """
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return values
    if mode == "min_max":
        low, high = values.min(), values.max()
        if high > low:
            return (values - low) / (high - low)
        return np.where(values > 0, 1.0, 0.0)
    outside = np.flatnonzero((values < 0) | (values > 1))
    if outside.size:
        raise ValidationError(
            f"value {values[outside[0]]:g} (entry {outside[0]}) is outside [0, 1]; "
            "use normalise = 'min_max' or rescale the data",
            param,
        )
    return values


# -- CSV ------------------------------------------------------------------------------------------
def read_csv_table(path: Path, param: str = "path") -> tuple[list[str] | None, np.ndarray]:
    """A CSV file of numbers: ``(header or None, array (rows, columns))``.

    Comma-separated, one row per line; blank lines and lines starting with ``#`` are skipped.
    A first row that is not all numbers is the header. Every row has the same number of cells.
    """
    path = Path(path)
    name = path.name
    raw = read_file_bytes(path, param)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(f"{name}: not a text (UTF-8) CSV file", param) from None
    lines = [
        (number, line)
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not lines:
        raise ValidationError(f"{name}: the file has no rows", param)
    cells = [
        (number, row)
        for number, row in zip(
            (n for n, _ in lines), csv.reader(line for _, line in lines), strict=True
        )
    ]
    header = None
    first = [c.strip() for c in cells[0][1]]
    if not all(_is_number(c) for c in first):
        header = first
        cells = cells[1:]
        if not cells:
            raise ValidationError(f"{name}: the file has a header but no data rows", param)
    width = len(header) if header is not None else len(cells[0][1])
    table = np.empty((len(cells), width))
    for r, (number, row) in enumerate(cells):
        if len(row) != width:
            raise ValidationError(
                f"{name}, line {number}: {len(row)} cells, but the rows above have {width}", param
            )
        for c, cell in enumerate(row):
            try:
                value = float(cell)
            except ValueError:
                raise ValidationError(
                    f"{name}, line {number}, column {c + 1}: {cell.strip()!r} is not a number",
                    param,
                ) from None
            if not math.isfinite(value):
                raise ValidationError(
                    f"{name}, line {number}, column {c + 1}: {cell.strip()!r} is not finite",
                    param,
                )
            table[r, c] = value
    return header, table


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_time_series(
    path: Path, time_unit: str = "ms", param: str = "path"
) -> tuple[np.ndarray, np.ndarray]:
    """A CSV time series: ``(times_ms (n,), values (n, channels))``.

    The first column is the time (in ``time_unit``, >= 0 and strictly increasing), each other
    column one channel; an optional header row names them.
    """
    _, table = read_csv_table(path, param)
    name = Path(path).name
    if table.shape[1] < 2:
        raise ValidationError(f"{name}: needs a time column and at least one channel column", param)
    times = table[:, 0] * TIME_UNITS_MS[time_unit]
    if times[0] < 0:
        raise ValidationError(f"{name}: times must be >= 0 (the first is {table[0, 0]:g})", param)
    steps_back = np.flatnonzero(np.diff(times) <= 0)
    if steps_back.size:
        row = steps_back[0] + 1
        raise ValidationError(
            f"{name}: times must increase from row to row (data row {row + 1}: "
            f"{table[row, 0]:g} after {table[row - 1, 0]:g})",
            param,
        )
    return times, table[:, 1:]
