"""Publish the build file onto the serving file in one atomic step.

dbt writes to a *build file*; BI tools and SQL users open the *serving file*. Publishing copies the
checkpointed build file to a temporary file next to the serving file (owner-only, fsynced) and
renames it onto the serving file with ``os.replace``, which POSIX makes atomic: a reader that opens
the serving path sees either the old warehouse or the new one, never a half-written file, and a
reader that already has the file open keeps reading the old inode until it reconnects. The serving
file is never opened for writing, so readers never hold a lock that blocks the build.
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

# Owner read/write only: the warehouse holds customer data (emails in dim_customers' sources).
FILE_MODE = 0o600
DIRECTORY_MODE = 0o700
BUILD_DIRECTORY = ".build"
DEFAULT_SERVING_PATH = "warehouse/segmentation.duckdb"


class PublishError(RuntimeError):
    """The build file cannot be published; the serving file is left as it was."""


@dataclass(frozen=True)
class WarehousePaths:
    """Where dbt builds (``build``) and where readers connect (``serving``)."""

    build: Path
    serving: Path


def default_build_path(serving: str | os.PathLike[str]) -> Path:
    """The build file for a serving file: same name, in a ``.build`` directory beside it.

    The name must stay the same: DuckDB names a file's catalog after its stem, and dbt-duckdb writes
    that catalog into every view, so a build file of another name would publish views that point at
    a catalog the serving file does not have.
    """
    serving = Path(serving)
    return serving.parent / BUILD_DIRECTORY / serving.name


def resolve_paths(
    build: str | os.PathLike[str] | None, serving: str | os.PathLike[str] | None
) -> WarehousePaths:
    """Absolute build and serving paths, checked: distinct files with the same name."""
    serving_path = Path(os.path.abspath(serving or DEFAULT_SERVING_PATH))
    build_path = Path(os.path.abspath(build)) if build else default_build_path(serving_path)
    if build_path == serving_path:
        raise PublishError(
            f"SEGMENTATION_DUCKDB_BUILD_PATH and SEGMENTATION_DUCKDB_PATH are the same file "
            f"({serving_path}); the build file must be another file (default: "
            f"{default_build_path(serving_path)})"
        )
    if build_path.name != serving_path.name:
        raise PublishError(
            f"the build file {build_path} and the serving file {serving_path} must have the same "
            f"file name (DuckDB names the catalog that views refer to after it); put the build "
            f"file in another directory, e.g. {default_build_path(serving_path)}"
        )
    return WarehousePaths(build=build_path, serving=serving_path)


def tighten_umask() -> int:
    """Make every file this process creates owner-only from now on; returns the previous umask.

    DuckDB creates the database, its write-ahead log and its spill files with the process umask, so
    this is the one place that makes all of them 0600 whatever the user's umask is.
    """
    previous = os.umask(0o077)
    os.umask(previous | 0o077)
    return previous


def prepare_build_file(build: Path) -> None:
    """Create the build file's directory (owner-only) and make existing build files owner-only."""
    build.parent.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)
    if build.parent.name == BUILD_DIRECTORY:
        os.chmod(build.parent, DIRECTORY_MODE)
    for path in (build, build.with_name(build.name + ".wal")):
        if path.exists():
            os.chmod(path, FILE_MODE)


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _refuse_if_serving_file_is_open_for_writing(serving: Path) -> None:
    """A process that opened the serving file read-write would write into the replaced inode and
    leave a WAL that DuckDB would replay onto the new file: refuse to publish instead."""
    wal = serving.with_name(serving.name + ".wal")
    if wal.exists():
        raise PublishError(
            f"{wal} exists: some client opened the serving file for writing. Close it (readers "
            f"must connect read-only) and remove the .wal file, then publish again"
        )
    if not serving.exists():
        return
    descriptor = os.open(serving, os.O_RDONLY)
    try:
        # DuckDB takes an exclusive POSIX lock for writing and a shared one for reading.
        fcntl.lockf(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError as error:
        if error.errno in (errno.EACCES, errno.EAGAIN):
            raise PublishError(
                f"{serving} is open for writing by another process; BI tools and the DuckDB CLI "
                f"must open the serving file read-only. Nothing was published"
            ) from error
        raise
    finally:
        os.close(descriptor)  # also releases the probe lock


def publish(build: Path, serving: Path) -> int:
    """Copy the checkpointed build file onto the serving file atomically; returns bytes copied.

    The caller must have checkpointed the build file (no write-ahead log left) and must hold it so
    that nothing writes to it during the copy: dbt's own connection does both.
    """
    build, serving = Path(build), Path(serving)
    if not build.is_file():
        raise PublishError(f"there is no build file at {build}: run dbt build first")
    build_wal = build.with_name(build.name + ".wal")
    if build_wal.exists() and build_wal.stat().st_size > 0:
        raise PublishError(
            f"{build_wal} still holds changes after CHECKPOINT; another transaction is open on "
            f"the build file. Nothing was published"
        )
    serving.parent.mkdir(parents=True, exist_ok=True)
    _refuse_if_serving_file_is_open_for_writing(serving)

    temporary = serving.with_name(f".{serving.name}.publishing-{os.getpid()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        os.fchmod(descriptor, FILE_MODE)  # whatever the umask, and if the file already existed
        with open(build, "rb") as source, os.fdopen(descriptor, "wb", closefd=False) as target:
            shutil.copyfileobj(source, target, length=16 * 1024 * 1024)
            target.flush()
            os.fsync(target.fileno())
            copied = target.tell()
    except BaseException:
        os.close(descriptor)
        temporary.unlink(missing_ok=True)
        raise
    os.close(descriptor)
    try:
        os.replace(temporary, serving)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync_directory(serving.parent)
    return copied
