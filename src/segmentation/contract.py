"""The source contract, read from its one home: ``macros/sources/segmentation_source_contract.sql``.

The macro holds the contract as a plain YAML block between ``# contract-yaml-start`` and
``# contract-yaml-end``; dbt reads it with ``fromyaml`` (at parse, compile and run time), and this
module reads the same text, so that the generators and the docs never keep a list of their own.

``python -m segmentation.contract --readme`` prints the README's source table and
``--sources-yml`` the dbt sources file, both generated from the contract;
``tests/python/test_source_contract.py`` fails when either drifts from it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

__all__ = [
    "CONTRACT_MACRO",
    "Column",
    "Source",
    "load_contract",
    "readme_table",
    "sources_yml",
]

PROJECT_DIR = Path(__file__).resolve().parents[2]
CONTRACT_MACRO = PROJECT_DIR / "macros" / "sources" / "segmentation_source_contract.sql"
SOURCES_YML = PROJECT_DIR / "models" / "staging" / "shop" / "_shop__sources.yml"
START, END = "# contract-yaml-start", "# contract-yaml-end"
KINDS = ("id", "text", "code", "number", "integer", "timestamp")
README_TYPES = {
    "id": "text or integer",
    "text": "text",
    "code": "text",
    "number": "number",
    "integer": "integer",
    "timestamp": "timestamp",
}


@dataclass(frozen=True)
class Column:
    """One column of a source."""

    name: str
    kind: str
    description: str
    required: bool = False
    pii: bool = False
    default: object = None


@dataclass(frozen=True)
class Source:
    """One source: whether a build needs it, its key and its columns in file order."""

    name: str
    required: bool
    key: tuple[str, ...]
    description: str
    columns: tuple[Column, ...]

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [column.name for column in self.columns if column.required]

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.name} has no column {name!r}")


def contract_yaml(path: Path = CONTRACT_MACRO) -> str:
    """The YAML text of the contract, as the macro holds it."""
    text = path.read_text()
    begin, end = text.index(START), text.index(END)
    return text[begin + len(START) : end]


@cache
def load_contract(path: Path = CONTRACT_MACRO) -> dict[str, Source]:
    """The sources of the contract by name, in contract order (validated)."""
    raw = yaml.safe_load(contract_yaml(path))
    sources: dict[str, Source] = {}
    for name, spec in raw.items():
        columns = tuple(
            Column(
                name=column["name"],
                kind=column["kind"],
                description=column["description"],
                required=bool(column.get("required", False)),
                pii=bool(column["pii"]),
                default=column.get("default"),
            )
            for column in spec["columns"]
        )
        for column in columns:
            if column.kind not in KINDS:
                raise ValueError(f"{name}.{column.name}: kind {column.kind!r} not in {KINDS}")
        source = Source(
            name=name,
            required=bool(spec["required"]),
            key=tuple(spec["key"]),
            description=spec["description"],
            columns=columns,
        )
        missing = [column for column in source.key if column not in source.column_names]
        if missing:
            raise ValueError(f"{name}: key columns {missing} are not columns of the source")
        sources[name] = source
    return sources


def readme_table(contract: dict[str, Source] | None = None) -> str:
    """The README's table of sources and columns (markdown)."""
    contract = contract or load_contract()
    lines = [
        "| source | column | type | required | PII | meaning |",
        "|---|---|---|---|---|---|",
    ]
    for source in contract.values():
        label = f"`{source.name}`" + (" (required)" if source.required else "")
        for index, column in enumerate(source.columns):
            lines.append(
                "| {} | `{}` | {} | {} | {} | {} |".format(
                    label if index == 0 else "",
                    column.name,
                    README_TYPES[column.kind],
                    "yes" if column.required else "",
                    "yes" if column.pii else "",
                    column.description,
                )
            )
    return "\n".join(lines) + "\n"


def sources_yml(contract: dict[str, Source] | None = None) -> str:
    """The dbt sources file (``models/staging/shop/_shop__sources.yml``) for the contract."""
    contract = contract or load_contract()
    document = {
        "version": 2,
        "sources": [
            {
                "name": "shop",
                "description": (
                    "The raw sources of the data contract (macros/sources/"
                    "segmentation_source_contract.sql; the tables and columns here follow it, "
                    "tested). With "
                    "segmentation__source_dir set (the default is the bundled demo in "
                    "seeds/demo), on-run-start lands <source>.parquet or <source>.csv from that "
                    "directory as views in segmentation__source_schema; otherwise they are tables "
                    "you already have there. Only orders is required; a missing source is an "
                    "empty view and a missing optional column is null."
                ),
                "schema": "{{ var('segmentation__source_schema') }}",
                "tables": [
                    {
                        "name": source.name,
                        "description": source.description,
                        "columns": [
                            {
                                "name": column.name,
                                "description": column.description
                                + (" Required column." if column.required else "")
                                + (" PII." if column.pii else ""),
                            }
                            for column in source.columns
                        ],
                    }
                    for source in contract.values()
                ],
            }
        ],
    }
    header = (
        "# Tables and columns follow the source contract (macros/sources/), tested; regenerate\n"
        "# with python -m segmentation.contract --write-sources-yml and keep any added keys.\n"
    )
    return header + yaml.dump(document, Dumper=_IndentedDumper, sort_keys=False, width=92)


class _IndentedDumper(yaml.SafeDumper):
    """Block YAML with list items indented under their key (the house 2-space style)."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point (``python -m segmentation.contract``)."""
    parser = argparse.ArgumentParser(prog="python -m segmentation.contract")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--readme", action="store_true", help="print the README source table")
    group.add_argument("--sources-yml", action="store_true", help="print _shop__sources.yml")
    group.add_argument("--write-sources-yml", action="store_true", help="rewrite it in place")
    args = parser.parse_args(argv)
    if args.readme:
        sys.stdout.write(readme_table())
    elif args.sources_yml:
        sys.stdout.write(sources_yml())
    else:
        SOURCES_YML.write_text(sources_yml())
    return 0


if __name__ == "__main__":
    sys.exit(main())
