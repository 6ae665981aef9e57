"""Files the commands write (``--json``, ``--report``, ``--out``, ``-o``): checked first,
then written atomically.

Before anything is computed into it, an output path is refused with a
:class:`~mergepilot.orgchart.MergepilotError` (exit 2) when its folder does not exist, when
it is a folder (for a file output), when it is an input of the same command, when it is a
database (an SQLite file, by its first 16 bytes), and when it exists and ``--force`` was not
given. The content goes to a temporary file in the same folder, flushed to disk, and then
replaces the path in one step (``os.replace``): a full disk or an interrupted run leaves the
old file as it was and no partial one.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

from mergepilot.orgchart import MergepilotError

from .text import _, clean

__all__ = ["OutputError", "check_output", "write_atomic", "write_text"]

SQLITE_MAGIC = b"SQLite format 3\x00"


class OutputError(MergepilotError):
    """An output file that cannot or may not be written (exit code 2)."""


def _is_database(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


def check_output(path: Path, *, force: bool = False,
                 inputs: Iterable[Path | str | None] = (), folder: bool = False) -> Path:
    """Refuse ``path`` as an output (see the module); return it. ``folder=True``: the
    output is a folder (a CSV bundle), which may replace an existing folder with --force.
    """
    shown = clean(path)
    parent = path.parent
    if not parent.exists():
        raise OutputError(_("cannot write %(file)s: folder %(folder)s does not exist",
                            file=shown, folder=clean(parent)))
    if not parent.is_dir():
        raise OutputError(_("cannot write %(file)s: %(folder)s is not a folder", file=shown,
                            folder=clean(parent)))
    for given in inputs:
        if given is not None and _same(path, Path(given)):
            raise OutputError(_("refusing to write %(file)s: it is an input of this command",
                                file=shown))
    if not path.exists():
        return path
    if path.is_dir() and not folder:
        raise OutputError(_("cannot write %(file)s: it is a folder; give a file name",
                            file=shown))
    if not path.is_dir() and _is_database(path):
        raise OutputError(_("refusing to overwrite %(file)s: it is a database", file=shown))
    if not force:
        raise OutputError(_("refusing to overwrite %(file)s: it exists; give --force to "
                            "replace it", file=shown))
    return path


def _temp_name(path: Path) -> Path:
    # Same folder (so os.replace is one rename) and same suffix (it names the format).
    tag = secrets.token_hex(4)
    if not path.suffix:  # a folder: no dot either, or its name would look like a format
        return path.with_name(f".{path.name}-tmp-{tag}")
    return path.with_name(f".{path.stem}.{tag}.tmp{path.suffix}")


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _write_bytes(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _fail(path: Path, exc: OSError) -> OutputError:
    reason = exc.strerror or type(exc).__name__
    return OutputError(_("cannot write %(file)s: %(reason)s", file=clean(path), reason=reason))


def write_atomic(path: Path, write: Callable[[Path], object], *, force: bool = False,
                 inputs: Iterable[Path | str | None] = (), folder: bool = False) -> Path:
    """Check ``path`` (:func:`check_output`), let ``write`` write a temporary path in the
    same folder with the same suffix, then move it onto ``path`` in one step."""
    check_output(path, force=force, inputs=inputs, folder=folder)
    tmp = _temp_name(path)
    try:
        write(tmp)
        if folder and path.is_dir():  # a folder cannot be replaced by one rename
            old = _temp_name(path)
            os.replace(path, old)
            os.replace(tmp, path)
            _remove(old)
        else:
            os.replace(tmp, path)
    except OSError as exc:
        _remove(tmp)
        raise _fail(path, exc) from None
    except BaseException:
        _remove(tmp)
        raise
    return path


def write_text(path: Path, text: str, *, force: bool = False,
               inputs: Iterable[Path | str | None] = ()) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically, after :func:`check_output`."""
    data = text.encode("utf-8")

    def write(tmp: Path) -> None:
        # O_EXCL: never through a file or link someone put there; the umask applies.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            _write_bytes(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)

    return write_atomic(path, write, force=force, inputs=inputs)
