"""Owner-only files: the warehouse holds personal data, so what the project writes is 0600."""

from __future__ import annotations

import os
import stat
from pathlib import Path

OWNER_ONLY_UMASK = 0o077


def restrict_umask() -> int:
    """Make every file this process creates from now on owner-only (0600, directories 0700),
    whatever the umask it was started with; returns the previous umask."""
    previous = os.umask(OWNER_ONLY_UMASK)
    os.umask(previous | OWNER_ONLY_UMASK)
    return previous


def make_owner_only(*paths: str | os.PathLike[str]) -> None:
    """Take group and other permissions off the given files and directories that exist and
    belong to this user (a file created before the umask was restricted, e.g. by an older build)."""
    for path in map(Path, paths):
        try:
            info = path.lstat()
        except FileNotFoundError:
            continue
        if stat.S_ISLNK(info.st_mode) or info.st_uid != os.getuid():
            continue
        if info.st_mode & 0o077:
            path.chmod(stat.S_IMODE(info.st_mode) & 0o700)


def database_files(database: str | os.PathLike[str]) -> list[Path]:
    """The files DuckDB keeps for a database: the file, its write-ahead log, its spill directory."""
    path = Path(database)
    return [path, path.with_name(path.name + ".wal"), path.with_name(path.name + ".tmp")]


def make_tree_owner_only(directory: str | os.PathLike[str]) -> None:
    """make_owner_only for a directory and everything under it."""
    root = Path(directory)
    if not root.is_dir():
        return
    make_owner_only(root)
    for path in root.rglob("*"):
        make_owner_only(path)
