"""The report's pictures, drawn with matplotlib (Agg backend, imported only when called).

`curve_figure`: every evaluated trial's objective (dots) and the best so far (a step line) over
the trial number. `pareto_figure`: the first two objectives of every trial, the Pareto front
highlighted and joined. `save` writes a figure as PNG (for terminals and files) or returns SVG
text (for the self-contained HTML page).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from archlang.report.objectives import (
    Objective,
    best_so_far,
    evaluated,
    objectives,
    pareto_front,
    value,
)

FIGSIZE = (6.4, 3.8)
ACCENT = "#1f6feb"


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def curve_figure(study: Any, objective: Objective | None = None) -> Any:
    """Best-so-far of `objective` (default: the study's first) over the trial number."""
    plt = _pyplot()
    name, direction = objective or objectives(study)[0]
    fig, ax = plt.subplots(figsize=FIGSIZE, dpi=100)
    points = [(t.number, v) for t in evaluated(study) if (v := value(t, name)) is not None]
    if points:
        ax.scatter([p[0] for p in points], [p[1] for p in points], s=14, color="#9aa4ae",
                   label="trial", zorder=2)
        xs, ys = best_so_far(study, (name, direction))
        last = max(t.number for t in study.trials)
        ax.step(xs + [last], ys + [ys[-1]], where="post", color=ACCENT, linewidth=2,
                label="best so far", zorder=3)
        ax.legend(loc="lower right" if direction == "maximize" else "upper right",
                  frameon=False)
    else:
        ax.text(0.5, 0.5, "no completed trial", ha="center", va="center",
                transform=ax.transAxes)
    failed = sum(1 for t in study.trials if not getattr(t, "ok", t.state == "complete"))
    ax.set_xlabel("trial")
    ax.set_ylabel(f"{name} ({'higher' if direction == 'maximize' else 'lower'} is better)")
    ax.set_title(f"{name}: best so far over {len(study.trials)} trials"
                 + (f" ({failed} failed)" if failed else ""), fontsize=10)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    return fig


def pareto_figure(study: Any) -> Any:
    """The first two objectives of every evaluated trial, the Pareto front highlighted."""
    plt = _pyplot()
    objs = objectives(study)
    (xname, xdir), (yname, ydir) = objs[0], objs[1]
    fig, ax = plt.subplots(figsize=FIGSIZE, dpi=100)
    pts = [(value(t, xname), value(t, yname)) for t in evaluated(study)]
    pts = [p for p in pts if p[0] is not None and p[1] is not None]
    ax.scatter([p[0] for p in pts], [p[1] for p in pts], s=14, color="#9aa4ae", label="trial")
    front = [(value(t, xname), value(t, yname), t.number) for t in pareto_front(study)]
    front = sorted(f for f in front if f[0] is not None and f[1] is not None)
    if front:
        ax.plot([f[0] for f in front], [f[1] for f in front], "-o", color=ACCENT, markersize=5,
                label=f"Pareto front ({len(front)})")
        for x, y, n in front:
            ax.annotate(f"#{n}", (x, y), textcoords="offset points", xytext=(4, 4), fontsize=7)
    ax.set_xlabel(f"{xname} ({'max' if xdir == 'maximize' else 'min'})")
    ax.set_ylabel(f"{yname} ({'max' if ydir == 'maximize' else 'min'})")
    more = f"; front over all {len(objs)} objectives" if len(objs) > 2 else ""
    ax.set_title(f"{xname} against {yname}{more}", fontsize=10)
    ax.legend(frameon=False)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    return fig


def save_png(fig: Any, path: Path) -> Path:
    fig.savefig(path, format="png")
    _pyplot().close(fig)
    return path


def svg_text(fig: Any) -> str:
    """The figure as an inline `<svg>` element (the XML header dropped); the figure stays open."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    return text[text.index("<svg"):]
