"""Writing a file the user names: whole or not at all."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from tracker.errors import BadInput


def save(path: Path, content: str | bytes) -> None:
    """Write `content` to `path` whole or not at all (a temporary file, then a rename).

    Text is written as UTF-8, bytes as they are; either way without newline
    translation, so a CSV keeps its CRLF line ends and its byte-order mark.
    """
    data = content.encode("utf-8") if isinstance(content, str) else content
    save_with(path, lambda f: f.write(data))


def save_with(path: Path, write: Callable[[BinaryIO], object], *, private: bool = False) -> None:
    """`save`, for content that `write(file)` writes piece by piece (a large export).

    `private`: readable by the owner only, like the database (a whole project's
    history); otherwise the umask decides, as for a report that is meant to be shared.
    """
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise BadInput(f"cannot write {path}: the folder {folder} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                write(f)
            if not private:  # mkstemp made it private; a report is for sharing
                umask = os.umask(0)
                os.umask(umask)
                os.chmod(tmp, 0o666 & ~umask)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise BadInput(f"cannot write {path}: {exc.strerror}") from None
