"""The search report as one self-contained HTML page: nothing is fetched when it is opened.

Figures are inline SVG, the diagram is Graphviz's SVG (or the DOT text in a ``<pre>`` when the
`dot` program is missing), CSS is inline, there is no script, and a Content-Security-Policy
forbids every network request, so a page that tried one would say so in the browser's console.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from archlang.report.objectives import objectives, value

#: how many of the best trials the table lists
TOP = 15
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

CSS = """
body { font: 14px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 24px;
       color: #1f2328; max-width: 1400px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
.sub { color: #59636e; margin: 0 0 16px; }
.figures { display: flex; flex-wrap: wrap; gap: 16px; }
.figures figure { margin: 0; border: 1px solid #d1d9e0; border-radius: 6px; padding: 6px; }
.figures svg { width: 100%; max-width: 640px; height: auto; display: block; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border-bottom: 1px solid #d1d9e0; padding: 4px 10px; text-align: right; }
th { background: #f6f8fa; } th:last-child, td.assign { text-align: left; }
td.assign { font-family: monospace; }
tr.best td { background: #ddf4ff; }
.best-arch { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 16px; }
.best-arch > div { border: 1px solid #d1d9e0; border-radius: 6px; padding: 8px;
                   overflow: auto; max-height: 900px; }
.best-arch svg { max-width: 100%; height: auto; }
pre { margin: 0; font: 12px/1.4 ui-monospace, Menlo, Consolas, monospace; }
.note { color: #59636e; font-size: 12px; }
"""


@dataclass
class ReportParts:
    """What the page shows, already drawn: every string here is trusted markup or plain text."""

    title: str
    subtitle: str
    figures: list[tuple[str, str]]  # (caption, inline <svg>)
    diagram_svg: str | None  # Graphviz SVG of the best network
    diagram_dot: str | None  # its DOT text when `dot` is missing
    arch_text: str | None  # the best network as .arch text
    arch_html: str | None = None  # the same, highlighted by the archlang Pygments lexer


def render_page(study: Any, space: Any, parts: ReportParts) -> str:
    """The whole page."""
    figures = "".join(f"<figure>{svg}<figcaption class='note'>{html.escape(cap)}</figcaption>"
                      f"</figure>" for cap, svg in parts.figures)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(parts.title)}</title>
<style>{CSS}</style>
</head>
<body>
<h1>{html.escape(parts.title)}</h1>
<p class="sub">{html.escape(parts.subtitle)}</p>
<h2>Progress</h2>
<div class="figures" id="figures">{figures}</div>
<h2>Top trials</h2>
{trials_table(study, space)}
<h2>Best architecture</h2>
{_best_section(parts)}
</body>
</html>
"""


def trials_table(study: Any, space: Any, top: int = TOP) -> str:
    """The best `top` evaluated trials by the first objective, with every objective."""
    from archlang.search.export import short_assignment

    objs = objectives(study)
    ranked = study.ranked()[:top]
    extra = [m for m in ("test_accuracy", "params", "flops", "latency_ms")
             if m not in {n for n, _ in objs} and any(m in t.metrics for t in ranked)]
    head = ["rank", "trial", *[f"{n} ({'max' if d == 'maximize' else 'min'})" for n, d in objs],
            *extra, "seconds", "decisions"]
    rows = []
    for rank, t in enumerate(ranked, 1):
        cells = [str(rank), f"#{t.number}"]
        cells += [_number(value(t, n)) for n, _ in objs] + [_number(value(t, m)) for m in extra]
        cells.append(f"{t.seconds:.2f}")
        tds = "".join(f"<td>{html.escape(c)}</td>" for c in cells)
        assign = html.escape(short_assignment(space, t.assignment, width=140))
        rows.append(f"<tr{' class=best' if rank == 1 else ''}>{tds}"
                    f"<td class=assign>{assign}</td></tr>")
    if not rows:
        return "<p>No trial completed.</p>"
    ths = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    return f"<table id='trials'><thead><tr>{ths}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _best_section(parts: ReportParts) -> str:
    if parts.arch_text is None:
        return "<p>No trial completed.</p>"
    if parts.diagram_svg is not None:
        diagram = parts.diagram_svg
    else:
        diagram = ("<p class=note>Graphviz's <code>dot</code> program is not installed, so "
                   "here is the diagram's DOT text (paste it into any Graphviz viewer).</p>"
                   f"<pre id='dot'>{html.escape(parts.diagram_dot or '')}</pre>")
    code = parts.arch_html or f"<pre>{html.escape(parts.arch_text)}</pre>"
    return (f"<div class='best-arch'><div id='diagram'>{diagram}</div>"
            f"<div id='arch'>{code}</div></div>")


def _number(v: float | None) -> str:
    if v is None:
        return ""
    if v.is_integer() and abs(v) >= 1000:
        return f"{int(v):,}"
    return f"{v:.4g}"
