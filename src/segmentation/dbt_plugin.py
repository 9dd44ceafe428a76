"""The project's dbt-duckdb plugin (profiles.yml `plugins:`): every dbt run writes owner-only
files, and each connection gets the salt for hashing personal data from the environment."""

from __future__ import annotations

import os
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin
from dbt.flags import get_flags

from segmentation.file_safety import (
    database_files,
    make_owner_only,
    make_tree_owner_only,
    restrict_umask,
)

#: Environment variable holding the secret salt of the PII hashes (never in the repository).
PII_SALT_ENV = "SEGMENTATION_PII_SALT"
#: DuckDB variable the SQL reads it from (getvariable), so the salt never appears in SQL text,
#: compiled files or logs.
PII_SALT_VARIABLE = "segmentation_pii_salt"


def set_pii_salt(connection: Any) -> None:
    """Set the salt variable on a connection or cursor, as a bound parameter (not in SQL text)."""
    salt = os.environ.get(PII_SALT_ENV, "")
    if salt:
        connection.execute(f"set variable {PII_SALT_VARIABLE} = ?", [salt])


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        # before dbt-duckdb opens (and perhaps creates) the database file
        restrict_umask()
        path = getattr(self.creds, "path", None)
        if path and path != ":memory:" and not str(path).startswith("md:"):
            make_owner_only(*database_files(path))
        # what dbt wrote before the first connection (logs, manifest, partial parse)
        flags = get_flags()
        for directory in (getattr(flags, "TARGET_PATH", None), getattr(flags, "LOG_PATH", None)):
            if directory:
                make_tree_owner_only(directory)

    def configure_connection(self, conn: Any) -> None:
        set_pii_salt(conn)

    def configure_cursor(self, cursor: Any) -> None:
        set_pii_salt(cursor)
