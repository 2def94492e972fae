"""`archlang report`: redraw the pictures and the HTML page of a search.

From its storage (``--storage PATH [--study NAME]``, also while the search still runs) or
from a folder written by ``archlang search --out DIR`` (``--from DIR``).
"""

from __future__ import annotations

from pathlib import Path

import click

from archlang.cli.ops_option import ops_option


@click.command(short_help="Draw the report of a search (curve, Pareto, HTML).")
@click.option("--storage", "storage_path", metavar="PATH", default=None,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The SQLite file `archlang search --storage` (or --out) wrote.")
@click.option("--study", "study_name", metavar="NAME", default=None,
              help="The study in --storage (needed when it holds several).")
@click.option("--from", "folder", metavar="DIR", default=None,
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="A folder written by `archlang search --out DIR`.")
@click.option("--out", "out", metavar="DIR", default=None, type=click.Path(path_type=Path),
              help="Where to write the report (default: the --from folder; required "
                   "with --storage).")
@click.option("--file", "file", metavar="FILE.arch", default=None,
              help="With --from: the searched file, when best.json does not name it.")
@click.option("--network", "-n", "network", metavar="NAME", default=None,
              help="With --from: the searched network, when best.json does not name it.")
@ops_option
def report(storage_path: Path | None, study_name: str | None, folder: Path | None,
           out: Path | None, file: str | None, network: str | None) -> None:
    """Write curve.png, pareto.png (several objectives) and report.html for a search.

    \b
    report.html is self-contained (no network access needed to view it): the best-so-far
    curve, the Pareto scatter, the top trials, and the best network's diagram beside its
    .arch text. The diagram is SVG when Graphviz's `dot` is installed, else DOT text.
    \b
    Examples:
      archlang search examples/digits.arch --task digits --budget 30 --out runs/digits
      archlang report --storage runs/digits/study.db --out runs/digits-report
      archlang report --from runs/digits
    """
    from archlang.diagnostics import ArchError
    from archlang.report import write_report

    if (storage_path is None) == (folder is None):
        raise click.UsageError("give either --storage PATH or --from DIR")
    try:
        if storage_path is not None:
            if out is None:
                raise click.UsageError("--storage needs --out DIR: where to write the report")
            study, space = _from_storage(storage_path, study_name)
        else:
            assert folder is not None
            study, space = _from_folder(folder, file, network)
            out = out or folder
    except ArchError as exc:
        click.echo(exc.render(), err=True)
        raise SystemExit(1) from None
    for path in write_report(study, space, out):
        click.echo(f"wrote {path}")


def _from_storage(path: Path, study_name: str | None):  # type: ignore[no-untyped-def]
    from archlang.report.from_storage import load_stored
    from archlang.search.storage import StorageError

    try:
        return load_stored(path, study_name)
    except StorageError as exc:
        raise click.ClickException(str(exc)) from None


def _from_folder(folder: Path, file: str | None, network: str | None):  # type: ignore[no-untyped-def]
    from archlang.report.from_dir import ResultsError, load_results

    try:
        return load_results(folder, file, network)
    except ResultsError as exc:
        raise click.ClickException(str(exc)) from None
