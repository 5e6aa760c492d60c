"""The archive's writer lock: one process writes to an archive at a time."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO, ClassVar

from archive.schema import HINT, ArchiveBusy, ArchiveUnavailable, _check_archive_path
from archive.writes import utc_now


class ArchiveLock:
    """The archive's writer lock, held until close() (or until the process dies: the kernel
    releases it even after kill -9).

    SQLite alone would let two overlapping scheduled runs interleave their writes; the lock
    makes the second one stop at once. It is keyed on the archive file itself, its path with
    symbolic links resolved, so that two spellings of one file share one lock; and it is
    taken by whatever writes (the crawl command before it starts, the store stage when it
    opens), the same process taking it again freely.
    """

    _held: ClassVar[dict[Path, tuple[IO[str], int]]] = {}

    def __init__(self, path: str | Path) -> None:
        self.key = Path(path).resolve()
        self.closed = False
        if self.key in self._held:
            handle, holders = self._held[self.key]
            self._held[self.key] = (handle, holders + 1)
            return
        self._held[self.key] = (_take_lock(path, self.key), 1)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        handle, holders = self._held.pop(self.key)
        if holders > 1:
            self._held[self.key] = (handle, holders - 1)
        else:
            handle.close()

    def __enter__(self) -> ArchiveLock:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def lock_archive(path: str | Path) -> ArchiveLock:
    """Take the archive's writer lock; ArchiveBusy when another process holds it."""
    return ArchiveLock(path)


def _take_lock(path: str | Path, resolved: Path) -> IO[str]:
    lock_path = resolved.with_name(f"{resolved.name}.lock")
    _check_archive_path(lock_path)
    try:
        handle = lock_path.open("a+", encoding="utf-8")
    except OSError as error:
        raise ArchiveUnavailable(
            f"cannot write next to the archive {path}: {lock_path}: {error.strerror}; make "
            f"{lock_path.parent} writable, or {HINT}"
        ) from None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise ArchiveBusy(
            f"another crawl ({holder}) is writing to the archive {path}; wait for it to finish, "
            f"or {HINT}"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()}, since {utc_now()}\n")
    handle.flush()
    return handle
