"""Getting data in and out (docs/csv.md): `csv_io.py` writes and reads the CSV file,
`importer.py` applies a read file through the core's write functions, `ics.py` writes
an iCalendar file. The CLI imports them inside `export` and `import` only.

Long runs report progress through a `Progress`: called with the number of steps, it
gives a context whose value is called with each step done. The CLI passes one that
draws a bar on a terminal; the default draws nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext

Step = Callable[[int], None]
Progress = Callable[[int], AbstractContextManager[Step]]


def _ignore(_done: int) -> None:
    pass


def no_progress(_total: int) -> AbstractContextManager[Step]:
    """A Progress that shows nothing."""
    return nullcontext(_ignore)
