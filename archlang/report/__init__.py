"""Search reports: the best-so-far curve, a Pareto scatter, and a self-contained HTML page.

    from archlang.report import write_report
    paths = write_report(study, space, "runs/digits")   # curve.png, [pareto.png], report.html

`study` is an `archlang.search.study.Study` (or any object with `trials`, `ranked()` and
``objective``/``direction`` or ``objectives``); `space` the `Space` it searched. matplotlib is
imported only here, when a report is drawn; Graphviz and Pygments are used when present.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["write_report"]

#: collapse blocks in the best network's diagram when it has more layers than this
MAX_FLAT_LAYERS = 80


def write_report(study: Any, space: Any, out_dir: str | Path) -> list[Path]:
    """Write ``curve.png``, ``pareto.png`` (several objectives only) and ``report.html``."""
    from archlang.report import plots
    from archlang.report.html import ReportParts, render_page
    from archlang.report.objectives import objectives

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    objs = objectives(study)
    figures, written = [], []
    curve = plots.curve_figure(study)
    figures.append((f"Best {objs[0][0]} so far, over the trial number.", plots.svg_text(curve)))
    written.append(plots.save_png(curve, out / "curve.png"))
    if len(objs) > 1:
        pareto = plots.pareto_figure(study)
        figures.append(("Every evaluated trial; the Pareto front joined.",
                        plots.svg_text(pareto)))
        written.append(plots.save_png(pareto, out / "pareto.png"))
    parts = ReportParts(title=f"archlang search: {space.name}",
                        subtitle=_subtitle(study, objs), figures=figures,
                        diagram_svg=None, diagram_dot=None, arch_text=None)
    if study.best is not None:
        _add_best(parts, space.bind(study.best.assignment))
    page = out / "report.html"
    page.write_text(render_page(study, space, parts), encoding="utf-8")
    written.append(page)
    return written


def _add_best(parts: Any, arch: Any) -> None:
    """The diagram (SVG when `dot` exists, else DOT text) and the .arch text of the best."""
    from archlang.viz import DiagramError, arch_dot, render
    from archlang.viz.render import dot_available

    depth = 1 if len(arch.graph.nodes) > MAX_FLAT_LAYERS else None
    dot = arch_dot(arch, depth=depth)
    parts.diagram_dot = dot
    if dot_available():
        try:
            svg = render(dot, "svg").decode("utf-8")
            parts.diagram_svg = svg[svg.index("<svg"):]
        except DiagramError:
            parts.diagram_svg = None
    parts.arch_text = arch.to_arch()
    parts.arch_html = _highlight(parts.arch_text)


def _highlight(text: str) -> str | None:
    try:
        from pygments import highlight
        from pygments.formatters import HtmlFormatter

        from archlang.editor.lexer import ArchLexer
    except ImportError:
        return None
    return highlight(text, ArchLexer(), HtmlFormatter(noclasses=True, nobackground=True))


def _subtitle(study: Any, objs: list[tuple[str, str]]) -> str:
    goal = ", ".join(f"{'maximize' if d == 'maximize' else 'minimize'} {n}" for n, d in objs)
    ok = len(study.ranked())
    failed = sum(1 for t in study.trials if not t.ok)
    reused = sum(1 for t in study.trials if getattr(t, "duplicate_of", None) is not None)
    parts = [f"{len(study.trials)} trials", f"{ok} evaluated"]
    if reused:
        parts.append(f"{reused} reused an equal network")
    if failed:
        parts.append(f"{failed} failed")
    stopped = getattr(study, "stopped", None)
    return f"{goal}; {', '.join(parts)}" + (f"; stopped: {stopped}" if stopped else "")
