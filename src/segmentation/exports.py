"""File-system side of the audience exports (``dbt run-operation segmentation_export_audiences``).

The macro writes the files with DuckDB's ``COPY ... TO``; this module prepares the directory, which
SQL cannot do: created owner-only (the files hold customer ids, and emails when opted in) and
emptied of the files of the previous export, so that an audience that no longer exists does not
leave a stale list behind.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

# What the macro writes: <audience>__send.<ext>, <audience>__holdout.<ext> and the manifest.
EXPORT_FILE = re.compile(r"^[a-z0-9_]+__(send|holdout)\.(csv|parquet)$|^audiences\.csv$")


def prepare_export_directory(directory: str | os.PathLike[str]) -> str:
    """Create ``directory`` (0700) if needed and delete earlier export files; returns its path."""
    path = Path(os.path.abspath(directory))
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    for child in path.iterdir():
        if child.is_file() and EXPORT_FILE.match(child.name):
            child.unlink()
    return str(path)
