"""dbt-duckdb plugin: owner-only warehouse files and the SQL functions that need Python.

Declared in ``profiles.yml`` under ``plugins:``. dbt-duckdb calls ``update_connection_config``
just before it opens the build file and ``configure_connection`` just after, every time it opens
it. The macro ``segmentation_publish`` (the ``on-run-end`` hook and ``make publish``) checkpoints
the build file and then calls ``segmentation_publish()``, which runs
:func:`segmentation.publishing.publish`. The audience exports call
``segmentation_prepare_export_dir(path)`` (:func:`segmentation.exports.prepare_export_directory`).
"""

from __future__ import annotations

from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection

from segmentation import exports, publishing


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        build = self.creds.path if self.creds is not None else None
        self.paths = publishing.resolve_paths(build, plugin_config.get("serving_path"))
        publishing.tighten_umask()

    def update_connection_config(self, creds: Any, config: dict[str, Any]) -> None:
        publishing.prepare_build_file(self.paths.build)

    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        publishing.prepare_build_file(self.paths.build)
        conn.create_function(
            "segmentation_publish", self._publish, [], "VARCHAR", side_effects=True
        )
        conn.create_function(
            "segmentation_prepare_export_dir",
            exports.prepare_export_directory,
            ["VARCHAR"],
            "VARCHAR",
            side_effects=True,
        )

    def _publish(self) -> str:
        copied = publishing.publish(self.paths.build, self.paths.serving)
        return f"{self.paths.serving} ({copied / 1e6:.1f} MB)"
