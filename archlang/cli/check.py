"""What `archlang check` does to one file: load it, and validate each network's space.

The checks themselves, and what each finding means, are archlang/validate.py; this module
collects them per file and per network for the command's output.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from archlang.validate import MAX_BINDS, SAMPLES, Budget, validate_space

if TYPE_CHECKING:
    from archlang.diagnostics import Diagnostic

__all__ = ["MAX_BINDS", "SAMPLES", "FileReport", "NetworkReport", "check_file"]


@dataclass
class NetworkReport:
    """The outcome for one network."""

    name: str
    decisions: int = 0
    size: int | float = 1
    binds: int = 0
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(d.severity == "error" for d in self.diagnostics)


@dataclass
class FileReport:
    """The outcome for one file: load errors, or one report per network."""

    path: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    networks: list[NetworkReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(d.severity == "error" for d in self.diagnostics) and all(
            n.ok for n in self.networks)

    def all_diagnostics(self) -> list[Diagnostic]:
        return self.diagnostics + [d for n in self.networks for d in n.diagnostics]


def check_file(path: str, *, samples: int = SAMPLES, max_binds: int = MAX_BINDS) -> FileReport:
    """Check every network of the file at `path`."""
    import archlang
    from archlang.diagnostics import ArchError

    report = FileReport(path)
    try:
        program = archlang.load(path)
    except ArchError as exc:
        report.diagnostics.extend(exc.diagnostics)
        return report
    several = len(program.networks()) > 1
    for net in program.networks():
        result = NetworkReport(net.name)
        report.networks.append(result)
        try:
            space = program.network(net.name)
            result.decisions, result.size = len(space.decisions), space.size
        except ArchError as exc:
            result.diagnostics.extend(exc.diagnostics)
            continue
        budget = Budget(max_binds)
        shown = f" --network {net.name}" if several else ""
        result.diagnostics = validate_space(space, samples, budget=budget,
                                            reproduce=f"archlang show {path}{shown}")
        result.binds = budget.used
    return report
