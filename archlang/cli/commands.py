"""The commands: check, fmt, show, compile. Each is a thin wrapper over the library.

Results go to stdout, diagnostics to stderr. The library is imported inside the commands so
that ``archlang --help`` loads nothing heavy.
"""

from __future__ import annotations

import difflib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from archlang import humanize
from archlang.cli import output as out
from archlang.cli.errors import EXIT_PROBLEM, render_diagnostics
from archlang.cli.ops_option import ops_option

if TYPE_CHECKING:
    from archlang.ir.arch import Arch
    from archlang.ir.space import Space

_FILES = click.Path(exists=True, dir_okay=True, allow_dash=False, path_type=str)
_FILE = click.Path(exists=True, dir_okay=False, path_type=str)

_network_option = click.option(
    "--network", "-n", "network", metavar="NAME",
    help="The network to use (needed when the file defines several).")
_set_option = click.option(
    "--set", "-s", "sets", multiple=True, metavar="KEY=VALUE",
    help="Fix a decision; VALUE is JSON where it parses (32, true, [0, 2]), else a string. "
         "Repeatable.")
_param_option = click.option(
    "--param", "-p", "params", multiple=True, metavar="NAME=VALUE",
    help="Give a network parameter, e.g. `-p classes=100`. Repeatable.")
_seed_option = click.option(
    "--seed", type=int, default=None, metavar="N",
    help="Decide the decisions left open at random, reproducibly (as `space.sample(N)`).")


def _arch_files(paths: tuple[str, ...]) -> list[str]:
    """The files named, with folders expanded to the `.arch` files below them (sorted)."""
    files: list[str] = []
    for p in paths:
        if os.path.isdir(p):
            files.extend(sorted(str(f) for f in Path(p).rglob("*.arch")))
        else:
            files.append(p)
    return files


def _echo_diagnostics(diagnostics: Any) -> None:
    text = render_diagnostics(diagnostics)
    if text:
        click.echo(text, err=True)


# ---------------------------------------------------------------- check


@click.command(short_help="Check .arch files: syntax, names, types, shapes of members.")
@click.argument("files", nargs=-1, required=True, type=_FILES)
@click.option("--samples", type=click.IntRange(0, 64), default=8, show_default=True,
              help="Members of each open space to bind (seeds 0 .. N-1).")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing for files that are fine.")
@ops_option
def check(files: tuple[str, ...], samples: int, quiet: bool) -> None:
    """Check .arch files: syntax, names, types, and shapes of sampled members.

    \b
    For every network: walk its whole space, bind a few sampled members (a member that fails
    is an error, shown with the decisions that broke it), and try each candidate of each
    choice; a candidate that never makes a valid network while the others do is an error
    (E515). Folders are searched for .arch files.
    """
    from archlang.cli.check import check_file

    failed = 0
    paths = _arch_files(files)
    for path in paths:
        report = check_file(path, samples=samples)
        _echo_diagnostics(report.all_diagnostics())
        if not report.ok:
            failed += 1
        elif not quiet:
            click.echo(f"ok: {path} ({_summary(report)})")
    if failed and len(paths) > 1:
        click.echo(f"{failed} of {humanize.plural(len(paths), 'file')} failed the check", err=True)
    if failed:
        sys.exit(EXIT_PROBLEM)


def _summary(report: Any) -> str:
    if not report.networks:
        return "no networks"
    return "; ".join(f"network `{n.name}`: {humanize.plural(n.decisions, 'decision')}, "
                     f"{humanize.count_phrase(n.size)}" for n in report.networks)


# ---------------------------------------------------------------- fmt


@click.command(short_help="Rewrite .arch files in the canonical layout.")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=True, allow_dash=True, path_type=str))
@click.option("--check", "check_only", is_flag=True,
              help="Write nothing; list the files that would change and exit 1 if any.")
@click.option("--diff", "show_diff", is_flag=True,
              help="Write nothing; print a unified diff of the changes (exit 1 if any).")
@ops_option
def fmt(files: tuple[str, ...], check_only: bool, show_diff: bool) -> None:
    """Rewrite .arch files in the canonical layout (`-` formats stdin to stdout).

    Comments are kept; the result parses back to the same program, which is verified before
    any file is written. Folders are searched for .arch files.
    """
    from archlang.diagnostics import ArchError
    from archlang.files import read_source, read_stream

    dry = check_only or show_diff
    changed = errors = unchanged = 0
    for path in _arch_files(files):
        try:
            text = (read_stream(sys.stdin) if path == "-" else read_source(path)).text
            new = format_text(text, "<stdin>" if path == "-" else path)
        except ArchError as exc:
            _echo_diagnostics(exc.diagnostics)
            errors += 1
            continue
        if path == "-":
            click.echo(new, nl=False)
            continue
        if new == text:
            unchanged += 1
            continue
        changed += 1
        if show_diff:
            click.echo("".join(difflib.unified_diff(
                text.splitlines(keepends=True), new.splitlines(keepends=True),
                f"{path} (original)", f"{path} (formatted)")), nl=False)
        elif check_only:
            click.echo(f"would reformat {path}")
        else:
            _write(path, new)
            click.echo(f"reformatted {path}")
    if (changed or unchanged) and files != ("-",):
        verb = "would be reformatted" if dry else "reformatted"
        click.echo(f"{humanize.plural(changed, 'file')} {verb}, {unchanged} unchanged"
                   + (f", {errors} with errors" if errors else ""), err=True)
    if errors or (dry and changed):
        sys.exit(EXIT_PROBLEM)


def format_text(text: str, path: str) -> str:
    """The canonical layout of `text`, checked to parse back to the same program."""
    import dataclasses

    from archlang.diagnostics import ArchError
    from archlang.syntax.format import format_module
    from archlang.syntax.parser import parse_text

    module = parse_text(text, path)
    new = format_module(module)
    try:
        again = parse_text(new, path)
    except ArchError as exc:
        raise RuntimeError(f"the formatted text of {path} does not parse: "
                           f"{exc.diagnostic.message}") from exc
    bare = dataclasses.replace(module, comments=())
    if dataclasses.replace(again, comments=()) != bare or \
            sorted(c.text for c in again.comments) != sorted(c.text for c in module.comments):
        raise RuntimeError(f"formatting {path} changes its meaning or drops a comment; "
                           "the file is left as it was")
    return new


def _write(path: str, text: str) -> None:
    """Replace the file's contents atomically (a crash leaves the old file or the new one)."""
    target = Path(path)
    try:
        mode = target.stat().st_mode if target.exists() else None
        fd, tmp = tempfile.mkstemp(dir=target.parent or Path("."), prefix=f".{target.name}.",
                                   suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
                f.write(text)
            if mode is not None:
                os.chmod(tmp, mode & 0o7777)
            os.replace(tmp, target)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    except OSError as exc:
        raise click.FileError(path, hint=exc.strerror or str(exc)) from None


# ---------------------------------------------------------------- show


@click.command(short_help="Show a network's decisions, space size and figures.")
@click.argument("file", type=_FILE)
@_network_option
@_set_option
@_seed_option
@_param_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--diagram", "diagram", metavar="OUT.svg|OUT.png|OUT.dot", default=None,
              help="Draw the space (or the decided member) to this file; .svg and .png need "
                   "Graphviz's `dot` program, .dot is DOT text.")
@click.option("--depth", type=click.IntRange(0, None), default=None, metavar="N",
              help="With --diagram on a decided member: keep N levels of blocks as boxes "
                   "around their layers, collapse deeper blocks into one box each.")
@click.option("--explain", "explain", is_flag=True,
              help="For each decision: where it is declared, what it ties, what it "
                   "activates, and how many members each candidate leads to.")
@ops_option
def show(file: str, network: str | None, sets: tuple[str, ...], seed: int | None,
         params: tuple[str, ...], as_json: bool, diagram: str | None, depth: int | None,
         explain: bool) -> None:
    """Show a network's decisions and space size; for a decided member, its figures.

    \b
    A member is decided when the network has no open decisions, when --set fixes them all,
    or with --seed N. Its parameter count, FLOPs (multiply-accumulates for one example) and
    output shape are then shown.
    \b
    Examples:
      archlang show examples/digits.arch --diagram space.svg
      archlang show examples/digits.arch --seed 0 --diagram member.png
      archlang show stdlib/models/resnet.arch -n resnet50 --diagram r50.svg --depth 1
      archlang show examples/digits.arch --explain
    """
    space = _space(file, network, params)
    fixed = _parse_fixed(space, sets)
    rest = space.fix(fixed) if fixed else space
    arch = _decide(space, fixed, seed) if seed is not None or rest.is_fixed else None
    if explain:
        _show_explain(rest, as_json)
    elif as_json:
        click.echo(json.dumps(_show_json(file, rest, fixed, arch), indent=2))
    elif diagram is None:
        _show_text(file, rest, fixed, arch)
    if diagram is not None:  # "wrote ..." goes to stderr when stdout carries a report
        _write_diagram(diagram, rest, arch, depth, quiet_stdout=explain or as_json)


def _write_diagram(out_path: str, space: Space, arch: Arch | None, depth: int | None,
                   quiet_stdout: bool = False) -> None:
    """Draw `arch` when a member is decided, else the space."""
    from archlang.viz import DiagramError, arch_dot, space_dot, write_diagram

    text = arch_dot(arch, depth=depth) if arch is not None else space_dot(space)
    try:
        write_diagram(text, out_path)
    except DiagramError as exc:
        raise click.ClickException(str(exc)) from None
    what = f"network `{arch.name}`" if arch is not None else f"the space of `{space.name}`"
    click.echo(f"wrote {out_path} ({what})", err=quiet_stdout)


def _show_explain(space: Space, as_json: bool) -> None:
    from archlang.viz.explain import explain, render_text

    items = explain(space)
    if as_json:
        click.echo(json.dumps({"network": space.name, "size": humanize.size_json(space.size),
                               "decisions": [e.to_json() for e in items]}, indent=2))
    elif items:
        click.echo(render_text(items))
        click.echo(f"\nspace size: {_size_text(space)}")
    else:
        click.echo(f"network `{space.name}` has no open decisions")


def _show_json(file: str, space: Space, fixed: dict[str, Any], arch: Arch | None) -> dict:
    data: dict[str, Any] = {
        "file": file,
        "network": space.name,
        "network_params": space.params,
        "decisions": [{**d.to_json(), "domain": d.describe(), "at": _where(d.span)}
                      for d in space.decisions],
        "size": humanize.size_json(space.size),
    }
    if isinstance(data["size"], str) and isinstance(space.size, int):
        data["size_approx"] = humanize.approx(space.size)
    members, exact = space.counted
    if not exact:  # a `require` excludes some members, how many is not counted
        data["size_is_upper_bound"] = True
    elif members != space.size:
        data["size"], data["size_before_requires"] = members, data["size"]
    data["fixed"] = fixed
    if arch is not None:
        data.update(_arch_json(arch))
    return data


def _arch_json(arch: Arch) -> dict[str, Any]:
    return {
        "assignment": arch.assignment,
        "parameters": arch.params,
        "flops": arch.flops,
        "input_shapes": {k: list(v) for k, v in arch.input_shapes.items()},
        "output_shape": list(arch.output_shape),
        "hash": arch.hash,
    }


def _size_text(space: Space) -> str:
    """The member count `show` prints: exact, or an upper bound that says so, where a
    `require` excludes members."""
    members, exact = space.counted
    if not exact:
        return f"at most {humanize.format_size(space.size)} members (a `require` excludes some)"
    if members != space.size:
        return (f"{humanize.format_size(members)} (a `require` excludes "
                f"{humanize.format_size(space.size - members)} of "
                f"{humanize.format_size(space.size)})")
    return humanize.format_size(space.size)


def _show_text(file: str, space: Space, fixed: dict[str, Any], arch: Arch | None) -> None:
    rich = sys.stdout.isatty() and os.environ.get("TERM") != "dumb"
    lines = [f"network: {space.name} ({file})"]
    if fixed:
        lines.append(f"fixed: {humanize.show_assignment(fixed, limit=1 << 30)}")
    decisions = space.decisions
    click.echo("\n".join(lines))
    if decisions:
        header = ("decision", "domain", "condition")
        rows = [(d.key, d.describe(), out.condition(d)) for d in decisions]
        click.echo(f"open decisions: {len(decisions)}")
        if rich:
            from rich.console import Console

            Console().print(out.rich_table(header, rows))
        else:
            click.echo(_indent(out.plain_table(header, rows)))
    else:
        click.echo("open decisions: none")
    click.echo(f"space size: {_size_text(space)}")
    if arch is None:
        click.echo("note: parameters, FLOPs and output shape need a decided member: fix "
                   "the decisions with --set KEY=VALUE, or pick one with --seed N", err=True)
        return
    click.echo(_arch_text(arch, decided=not decisions))


def _arch_text(arch: Arch, decided: bool) -> str:
    lines = []
    if not decided:
        lines.append("member:")
        lines.extend(f"  {line}" for line in out.member_lines(arch.space, arch.assignment))
    from archlang.ops.dims import shape_text

    inputs = ", ".join(f"{k} {shape_text(v)}" for k, v in arch.input_shapes.items())
    lines += [f"inputs: {inputs}",
              f"output shape: {shape_text(arch.output_shape)}",
              f"parameters: {arch.params:,}",
              f"FLOPs: {arch.flops:,} (multiply-accumulates per example)"]
    return "\n".join(lines)


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" if line else line for line in text.splitlines())


def _where(span: Any) -> str | None:
    return str(span) if span is not None and span.source is not None else None


# ---------------------------------------------------------------- compile


@click.command(name="compile", short_help="Compile a decided member to PyTorch source.")
@click.argument("file", type=_FILE)
@click.option("--output", "-o", "output", metavar="OUT.py", default="-", show_default=True,
              help="Where to write the generated Python (`-`: stdout).")
@click.option("--flat", is_flag=True, default=False,
              help="One flat module (every layer an attribute of the network class) instead "
                   "of modules nested as the blocks are.")
@_network_option
@_set_option
@_seed_option
@_param_option
@ops_option
def compile_(file: str, output: str, flat: bool, network: str | None, sets: tuple[str, ...],
             seed: int | None, params: tuple[str, ...]) -> None:
    """Compile a decided member of a network to a PyTorch module (Python source).

    \b
    Every decision must be decided: with --set KEY=VALUE for each, or --seed N for the
    ones left open. The written file depends only on torch; its `build()` returns the module.
    """
    space = _space(file, network, params)
    arch = _decide(space, _parse_fixed(space, sets), seed)
    source = arch.source(nested=not flat)
    summary = (f"network `{arch.name}`: {arch.params:,} parameters, {arch.flops:,} FLOPs, "
               f"output {list(arch.output_shape)}")
    decisions = "".join(f"\n  {line}" for line in out.member_lines(space, arch.assignment))
    if output == "-":
        click.echo(source, nl=not source.endswith("\n"))
        click.echo(f"compiled {summary}{decisions}", err=True)
        return
    _write(output, source)
    click.echo(f"wrote {output} ({summary}){decisions}")


# ---------------------------------------------------------------- shared


def _space(file: str, network: str | None, params: tuple[str, ...]) -> Space:
    import archlang

    values = {}
    for pair in params:
        name, sep, text = pair.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"expected NAME=VALUE, but got {pair!r}",
                                     param_hint="'--param'")
        values[name.strip()] = out.parse_value(text.strip())
    return archlang.load(file).network(network, **values)


def _parse_fixed(space: Space, sets: tuple[str, ...]) -> dict[str, Any]:
    """`--set` pairs checked against the space: known keys, values in their domains."""
    from archlang.diagnostics import ArchSpaceError

    fixed = {}
    for key, value in out.parse_set(sets).items():
        d = space.decision(key)  # E511, with a did-you-mean, for an unknown key
        if not d.contains(value):
            raise ArchSpaceError(f"`{key}` = {humanize.show_value(value)} is not in its domain "
                                 f"{d.describe()}", d.span, hint=d.domain_hint(), code="E502")
        fixed[key] = d.normalize(value)
    return fixed


def _decide(space: Space, fixed: dict[str, Any], seed: int | None) -> Arch:
    """The member fixed by `fixed`, with what is left open drawn from `seed`."""
    import random

    from archlang.diagnostics import ArchSpaceError

    rest_space = space.fix(fixed) if fixed else space
    open_ = rest_space.decisions
    if not open_:
        return space.bind(fixed)
    if seed is None:
        shown = [f"`{d.key}`: {d.describe()}" for d in open_[:humanize.MAX_SHOWN]]
        if len(open_) > humanize.MAX_SHOWN:
            shown.append(f"and {len(open_) - humanize.MAX_SHOWN} more (`archlang show` lists them)")
        raise ArchSpaceError(
            f"network `{space.name}` has {humanize.plural(len(open_), 'open decision')}",
            open_[0].span, notes=shown, code="E501",
            hint="decide each with `--set KEY=VALUE`, or pick a random member with "
                 "`--seed N`")
    if not fixed:
        return space.sample(seed)
    rng = random.Random(seed)
    ancestors: dict[str, Any] = {}
    for key in fixed:  # a fixed conditional decision needs its parents to activate it
        d = space.decision(key)
        while d.cond is not None and d.cond[0] not in fixed and d.cond[0] not in ancestors:
            allowed = sorted(d.cond[1], key=repr)
            value = rng.choice(allowed)
            ancestors[d.cond[0]] = list(value) if isinstance(value, tuple) else value
            d = space.decision(d.cond[0])
    chosen = {**fixed, **ancestors}
    rest = space.fix(chosen).sample_assignment(rng)
    return space.bind({**chosen, **rest})


COMMANDS = [check, fmt, show, compile_]
