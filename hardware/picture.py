"""A PNG of the core grid, drawn with numpy and written without Qt (zlib + struct).

Each chip is drawn as its router mesh, each router cell split into its cores; a core's colour
is its highest utilization (neurons, synaptic memory, fan-in, fan-out as fractions of the
limits): dark blue for empty through yellow for full, red above the limit, grey for an unused
core. A title and a colour bar are written with a 5x7 bitmap font.
"""

from __future__ import annotations

import math
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: Viridis-like stops for 0 .. 1.
_STOPS = np.array(
    [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]], dtype=float
)
OVER = (215, 48, 39)
UNUSED = (200, 200, 200)
#: A used core whose platform publishes none of the limits.
NO_LIMIT = (120, 120, 170)
BACKGROUND = (255, 255, 255)
INK = (20, 20, 20)
CHIP_BORDER = (90, 90, 90)
MAX_CHIPS_DRAWN = 16

_GLYPHS = {
    "A": "01110 10001 10001 11111 10001 10001 10001",
    "B": "11110 10001 10001 11110 10001 10001 11110",
    "C": "01110 10001 10000 10000 10000 10001 01110",
    "D": "11110 10001 10001 10001 10001 10001 11110",
    "E": "11111 10000 10000 11110 10000 10000 11111",
    "F": "11111 10000 10000 11110 10000 10000 10000",
    "G": "01110 10001 10000 10111 10001 10001 01111",
    "H": "10001 10001 10001 11111 10001 10001 10001",
    "I": "01110 00100 00100 00100 00100 00100 01110",
    "J": "00111 00010 00010 00010 00010 10010 01100",
    "K": "10001 10010 10100 11000 10100 10010 10001",
    "L": "10000 10000 10000 10000 10000 10000 11111",
    "M": "10001 11011 10101 10101 10001 10001 10001",
    "N": "10001 10001 11001 10101 10011 10001 10001",
    "O": "01110 10001 10001 10001 10001 10001 01110",
    "P": "11110 10001 10001 11110 10000 10000 10000",
    "Q": "01110 10001 10001 10001 10101 10010 01101",
    "R": "11110 10001 10001 11110 10100 10010 10001",
    "S": "01111 10000 10000 01110 00001 00001 11110",
    "T": "11111 00100 00100 00100 00100 00100 00100",
    "U": "10001 10001 10001 10001 10001 10001 01110",
    "V": "10001 10001 10001 10001 10001 01010 00100",
    "W": "10001 10001 10001 10101 10101 10101 01010",
    "X": "10001 10001 01010 00100 01010 10001 10001",
    "Y": "10001 10001 01010 00100 00100 00100 00100",
    "Z": "11111 00001 00010 00100 01000 10000 11111",
    "0": "01110 10001 10011 10101 11001 10001 01110",
    "1": "00100 01100 00100 00100 00100 00100 01110",
    "2": "01110 10001 00001 00010 00100 01000 11111",
    "3": "11111 00010 00100 00010 00001 10001 01110",
    "4": "00010 00110 01010 10010 11111 00010 00010",
    "5": "11111 10000 11110 00001 00001 10001 01110",
    "6": "00110 01000 10000 11110 10001 10001 01110",
    "7": "11111 00001 00010 00100 01000 01000 01000",
    "8": "01110 10001 10001 01110 10001 10001 01110",
    "9": "01110 10001 10001 01111 00001 00010 01100",
    " ": "00000 00000 00000 00000 00000 00000 00000",
    ".": "00000 00000 00000 00000 00000 01100 01100",
    ",": "00000 00000 00000 00000 01100 00100 01000",
    ":": "00000 01100 01100 00000 01100 01100 00000",
    "%": "11000 11001 00010 00100 01000 10011 00011",
    "-": "00000 00000 00000 11111 00000 00000 00000",
    "/": "00000 00001 00010 00100 01000 10000 00000",
    "(": "00010 00100 01000 01000 01000 00100 00010",
    ")": "01000 00100 00010 00010 00010 00100 01000",
    ">": "01000 00100 00010 00001 00010 00100 01000",
    "+": "00000 00100 00100 11111 00100 00100 00000",
    "=": "00000 00000 11111 00000 11111 00000 00000",
    "'": "00100 00100 01000 00000 00000 00000 00000",
    "?": "01110 10001 00001 00010 00100 00000 00100",
}
_FONT = {
    ch: np.array([[c == "1" for c in row] for row in rows.split()], dtype=bool)
    for ch, rows in _GLYPHS.items()
}


def write_png(path: str | Path, rgb: np.ndarray) -> None:
    """Write an ``(height, width, 3)`` uint8 array as an 8-bit RGB PNG."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    height, width, _ = rgb.shape
    raw = np.concatenate([np.zeros((height, 1), np.uint8), rgb.reshape(height, width * 3)], axis=1)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return (
            struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw.tobytes(), 9))
        + chunk(b"IEND", b"")
    )
    Path(path).write_bytes(data)


def colour(fraction: float | None) -> tuple[int, int, int]:
    """The colour of a utilization (0..1; above 1 is red; ``None`` is an unused core)."""
    if fraction is None:
        return UNUSED
    if fraction > 1.0 + 1e-12:
        return OVER
    pos = max(0.0, fraction) * (len(_STOPS) - 1)
    i = min(int(pos), len(_STOPS) - 2)
    mix = _STOPS[i] + (pos - i) * (_STOPS[i + 1] - _STOPS[i])
    return tuple(int(round(v)) for v in mix)


def draw_text(image: np.ndarray, x: int, y: int, text: str, scale: int = 1,
              ink: tuple[int, int, int] = INK) -> int:  # fmt: skip
    """Draw ``text`` (upper-cased) at ``(x, y)``; returns the x after it."""
    for ch in text.upper().replace("→", "->").replace("×", "X").replace("µ", "U"):
        glyph = _FONT.get(ch, _FONT["?"])
        big = np.kron(glyph, np.ones((scale, scale), dtype=bool))
        h, w = big.shape
        region = image[y : y + h, x : x + w]
        region[big[: region.shape[0], : region.shape[1]]] = ink
        x += w + scale
    return x


def text_width(text: str, scale: int = 1) -> int:
    return len(text) * 6 * scale


@dataclass(frozen=True)
class ChipLayout:
    """Where each core of a chip is drawn: routers in a serpentine over the router grid (as
    :func:`hardware.mapping.lay_out` numbers them), a router's cores in a small square.

    ``rx, ry`` (router column and row) and ``sx, sy`` (slot within the router's square) are
    arrays over the chip's cores; ``sub_cols x sub_rows`` is the size of a router's square.
    """

    rx: np.ndarray
    ry: np.ndarray
    sx: np.ndarray
    sy: np.ndarray
    sub_cols: int
    sub_rows: int


def chip_layout(
    cores_per_chip: int, cores_per_router: int, router_grid: tuple[int, int]
) -> ChipLayout:
    """The :class:`ChipLayout` of a chip."""
    cols = router_grid[0]
    sub_cols = math.ceil(math.sqrt(cores_per_router))
    local = np.arange(cores_per_chip)
    router, slot = np.divmod(local, cores_per_router)
    ry = router // cols
    rx = np.where(ry % 2 == 0, router % cols, cols - 1 - router % cols)
    return ChipLayout(rx, ry, slot % sub_cols, slot // sub_cols, sub_cols,
                      math.ceil(cores_per_router / sub_cols))  # fmt: skip


def draw_core_grid(
    path: str | Path,
    *,
    title: str,
    utilization: list[float | None],
    chip_of: np.ndarray,
    cores_per_chip: int,
    cores_per_router: int,
    router_grid: tuple[int, int],
    chip_grid_columns: int,
    subtitle: str = "",
) -> np.ndarray:
    """Draw the cores of every chip used and write the PNG; returns the image.

    ``utilization[c]`` is core ``c``'s highest fraction of a limit (``None`` when no limit is
    published); cores ``>= len(utilization)`` are unused.
    """
    n_cores = len(utilization)
    n_chips = max(1, int(chip_of.max()) + 1 if n_cores else 1)
    drawn_chips = min(n_chips, MAX_CHIPS_DRAWN)
    layout = chip_layout(cores_per_chip, cores_per_router, router_grid)
    cols, rows = router_grid
    sub_cols, sub_rows = layout.sub_cols, layout.sub_rows
    chip_w_cells, chip_h_cells = cols * sub_cols, rows * sub_rows
    chip_cols = min(chip_grid_columns, drawn_chips)
    chip_rows = math.ceil(drawn_chips / chip_cols)
    cell = int(np.clip(720 // max(1, chip_w_cells * chip_cols), 3, 28))
    gap = max(1, cell // 8)
    router_gap = 2 if cores_per_router > 1 else 0
    chip_w = chip_w_cells * cell + cols * router_gap + 8
    chip_h = chip_h_cells * cell + rows * router_gap + 8
    margin, top = 12, 44 if subtitle else 32
    legend_h = 46
    width = max(margin * 2 + chip_cols * (chip_w + 8), 520)
    height = top + chip_rows * (chip_h + 8) + legend_h + margin
    image = np.empty((height, width, 3), dtype=np.uint8)
    image[:] = BACKGROUND
    draw_text(image, margin, 10, title, scale=2)
    if subtitle:
        draw_text(image, margin, 30, subtitle)

    for chip in range(drawn_chips):
        cx = margin + (chip % chip_cols) * (chip_w + 8)
        cy = top + (chip // chip_cols) * (chip_h + 8)
        image[cy : cy + chip_h, cx : cx + chip_w] = CHIP_BORDER
        image[cy + 2 : cy + chip_h - 2, cx + 2 : cx + chip_w - 2] = BACKGROUND
        for local in range(cores_per_chip):
            core = chip * cores_per_chip + local
            x0 = cx + 4 + int(layout.rx[local]) * (sub_cols * cell + router_gap)
            x0 += int(layout.sx[local]) * cell
            y0 = cy + 4 + int(layout.ry[local]) * (sub_rows * cell + router_gap)
            y0 += int(layout.sy[local]) * cell
            fill = colour(utilization[core]) if core < n_cores else UNUSED
            if core < n_cores and utilization[core] is None:
                fill = NO_LIMIT
            image[y0 : y0 + cell - gap, x0 : x0 + cell - gap] = fill

    # legend: colour bar 0 .. 100 %, then over-limit, unused, unknown
    ly = height - legend_h
    bar_w = 200
    for i in range(bar_w):
        image[ly : ly + 12, margin + i] = colour(i / (bar_w - 1))
    draw_text(image, margin, ly + 16, "0%")
    draw_text(image, margin + bar_w - text_width("100%"), ly + 16, "100%")
    draw_text(image, margin + bar_w // 2 - text_width("USE") // 2, ly + 16, "USE")
    x = margin + bar_w + 16
    for fill, label in ((OVER, "OVER LIMIT"), (UNUSED, "UNUSED"), (NO_LIMIT, "NO LIMIT")):
        image[ly : ly + 12, x : x + 12] = fill
        x = draw_text(image, x + 16, ly + 3, label) + 12
    if n_chips > drawn_chips:
        draw_text(image, margin, ly + 30, f"FIRST {drawn_chips} OF {n_chips} CHIPS SHOWN")
    write_png(path, image)
    return image
