"""`archlang report --from DIR`: redraw the pictures and the HTML page of a finished search."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(short_help="Draw the report of a finished search (curve, Pareto, HTML).")
@click.option("--from", "folder", required=True, metavar="DIR",
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="A folder written by `archlang search --out DIR`.")
@click.option("--out", "out", metavar="DIR", default=None, type=click.Path(path_type=Path),
              help="Where to write the report (default: the --from folder).")
@click.option("--file", "file", metavar="FILE.arch", default=None,
              help="The searched file, when best.json does not name it.")
@click.option("--network", "-n", "network", metavar="NAME", default=None,
              help="The searched network, when best.json does not name it.")
def report(folder: Path, out: Path | None, file: str | None, network: str | None) -> None:
    """Write curve.png, pareto.png (several objectives) and report.html for a search.

    \b
    report.html is self-contained (no network access needed to view it): the best-so-far
    curve, the Pareto scatter, the top trials, and the best network's diagram beside its
    .arch text. The diagram is SVG when Graphviz's `dot` is installed, else DOT text.
    \b
    Example:
      archlang search examples/digits.arch --task digits --budget 30 --out runs/digits
      archlang report --from runs/digits
    """
    from archlang.report import write_report
    from archlang.report.from_dir import ResultsError, load_results

    try:
        study, space = load_results(folder, file, network)
    except ResultsError as exc:
        raise click.ClickException(str(exc)) from None
    for path in write_report(study, space, out or folder):
        click.echo(f"wrote {path}")
