"""Writing files so that a crash never leaves a partial one.

Data goes to a temporary file in the same folder, which is written in full, flushed and
synced, then renamed over the target: readers see the old file or the new one, never a mix.
A new file gets the usual permissions (0666 minus the umask), an existing one keeps its own.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any


def write_bytes_atomically(path: str | os.PathLike[str], data: bytes) -> None:
    """Replace ``path`` by ``data`` atomically (and make the rename itself durable)."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp = _create_temporary(folder, path.name)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        _replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _sync_folder(folder)


def write_atomically(
    path: str | os.PathLike[str], write: Callable[[IO[Any]], Any], *, binary: bool = False
) -> None:
    """Call ``write(handle)`` on a temporary file next to ``path``, then rename it over
    ``path`` (for writers that stream into a file object, such as ``numpy.savez``)."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp = _create_temporary(folder, path.name)
    try:
        mode = "wb" if binary else "w"
        kwargs = {} if binary else {"encoding": "utf-8", "newline": "\n"}
        with os.fdopen(fd, mode, **kwargs) as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        _replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _sync_folder(folder)


def _replace(tmp: Path, path: Path) -> None:
    if path.exists():
        os.chmod(tmp, path.stat().st_mode & 0o7777)
    os.replace(tmp, path)


def _create_temporary(folder: Path, name: str) -> tuple[int, Path]:
    # Not tempfile.mkstemp: its files are private (0600), and a file written for the first
    # time should get the usual permissions.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = folder / f".{name}.{secrets.token_hex(4)}.tmp"
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"could not create a temporary file next to {name} in {folder}")


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); some systems cannot open a folder, which is fine."""
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)
