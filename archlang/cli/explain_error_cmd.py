"""`archlang explain-error CODE`: what a diagnostic code means, from the code registry."""

from __future__ import annotations

import click


@click.command(name="explain-error", short_help="Explain an error code (E202, E514, ...).")
@click.argument("code", metavar="CODE")
def explain_error(code: str) -> None:
    """Print what error CODE means: its title, an explanation and, where one helps, an
    example that gives it.

    \b
    Examples:
      archlang explain-error E202
      archlang explain-error e514
    """
    from archlang.diagnostics_codes import explain

    try:
        click.echo(explain(code))
    except KeyError as exc:
        raise click.BadParameter(exc.args[0], param_hint="CODE") from None
