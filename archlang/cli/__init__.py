"""The `archlang` command: the click group, its error handling and the entry point.

Importing this module loads click and nothing heavy (no lark, no torch): each command imports
the library inside its body, so ``archlang --help`` starts fast. Commands live in
`archlang.cli.commands`; `archlang.cli.errors` owns exit codes and how failures print.
"""

from __future__ import annotations

import errno
import importlib
import os
import sys
from typing import Any

import click

from archlang import __version__
from archlang.cli import commands
from archlang.cli.errors import (
    EXIT_INTERNAL,
    EXIT_PROBLEM,
    debug_enabled,
    format_arch_error,
    format_cause,
    format_internal_error,
)

__all__ = ["cli", "main"]

_EPILOG = """\b
Exit codes: 0 success; 1 a problem in the input (diagnostics on stderr); 2 a wrong command
line; 3 an internal error (a bug in archlang: `--traceback` or ARCHLANG_DEBUG=1 shows it);
4 the study is held by another `archlang search`.

\b
Examples:
  archlang check examples/digits.arch
  archlang show examples/digits.arch
  archlang compile examples/digits.arch --seed 0 -o model.py
  archlang fmt --check examples/*.arch
  archlang search examples/digits.arch --task digits --budget 30 --out runs/digits
  archlang trials --storage runs/digits/study.db
"""


#: commands in modules of their own, imported only when they run (their help is written
#: here, so `archlang --help` imports none of them): name -> ("module:attribute", short help)
LAZY_COMMANDS = {
    "search": ("archlang.cli.search_cmd:search",
               "Search a space on a task and report the best networks."),
    "report": ("archlang.cli.report_cmd:report",
               "Draw the report of a finished search (curve, Pareto, HTML)."),
    "trials": ("archlang.cli.trials_cmd:trials",
               "List the stored trials of a search (state, decisions, metrics)."),
    "explain-error": ("archlang.cli.explain_error_cmd:explain_error",
                      "Explain an error code (E202, E514, ...)."),
}


class ArchGroup(click.Group):
    """A click group that turns exceptions into diagnostics and exit codes, and loads the
    commands of `LAZY_COMMANDS` on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if command is None and name in LAZY_COMMANDS:
            module, _, attr = LAZY_COMMANDS[name][0].partition(":")
            command = getattr(importlib.import_module(module), attr)
            self.add_command(command, name)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(map(len, names), default=0)
        rows = []
        for name in names:
            if name not in self.commands and name in LAZY_COMMANDS:
                rows.append((name, LAZY_COMMANDS[name][1]))
                continue
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        from archlang.diagnostics import ArchError

        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.Abort,
                KeyboardInterrupt, SystemExit):
            raise
        except ArchError as exc:
            click.echo(format_arch_error(exc), err=True)
            if exc.__cause__ is not None and debug_enabled(bool(ctx.meta.get(
                    "archlang.traceback"))):  # a user op's own error: where in their code
                click.echo(format_cause(exc.__cause__), err=True)
            ctx.exit(EXIT_PROBLEM)
        except OSError as exc:
            if exc.errno == errno.EPIPE:  # `archlang show ... | head`: click handles it
                raise
            _internal(ctx, exc)
        except Exception as exc:  # noqa: BLE001 - everything else is a bug, said so
            _internal(ctx, exc)


def _internal(ctx: click.Context, exc: BaseException) -> None:
    debug = debug_enabled(bool(ctx.meta.get("archlang.traceback")))
    click.echo(format_internal_error(exc, debug), err=True)
    ctx.exit(EXIT_INTERNAL)


@click.group(name="archlang", cls=ArchGroup, epilog=_EPILOG,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="archlang")
@click.option("--traceback", is_flag=True,
              help="Show the full Python traceback of an internal error.")
@click.pass_context
def cli(ctx: click.Context, traceback: bool) -> None:
    """archlang: neural architectures with open choices, checked, searched and compiled."""
    ctx.meta["archlang.traceback"] = traceback


for _command in commands.COMMANDS:
    cli.add_command(_command)


def quiet_openmp(environ: Any = os.environ) -> None:
    """Have OpenMP's idle threads sleep instead of spinning (``OMP_WAIT_POLICY=PASSIVE``)
    unless the user chose a policy. OpenMP reads it when torch loads, so it is set before
    any command imports torch. It matters with ``search --threads`` above 1 on shared cores:
    a digits trial on 2 threads took 69 s spinning against 8.5 s passive at load 7 on 2 cores
    (`benchmarks/bench_threads.py`, benchmarks/README.md); it changes no result."""
    environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def main(argv: list[str] | None = None) -> None:
    """The console-script entry point (``archlang``, ``python -m archlang``)."""
    quiet_openmp()
    cli.main(args=argv, prog_name="archlang")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
