"""The `archlang` command line (placeholder until the CLI lands)."""

from __future__ import annotations


def main() -> None:
    raise SystemExit("archlang CLI: not built yet")
