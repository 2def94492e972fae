"""DOT text -> SVG or PNG with Graphviz, and writing a diagram to the file a user named.

Rendering needs the `dot` program (Debian/Ubuntu: ``apt-get install graphviz``; macOS:
``brew install graphviz``). The `graphviz` Python package (``pip install 'archlang[diagrams]'``)
is used when present; without it `dot` is run directly. DOT text itself never needs either.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

#: what a diagram file's suffix asks for
FORMATS = {".dot": "dot", ".gv": "dot", ".svg": "svg", ".png": "png"}

INSTALL_HINT = ("install it (Debian/Ubuntu: `apt-get install graphviz`, "
                "macOS: `brew install graphviz`, conda: `conda install graphviz`), or write "
                "DOT text with a .dot file name and render it elsewhere")


class DiagramError(Exception):
    """A diagram cannot be written: an unknown suffix, no `dot` program, a failed render."""


def dot_available() -> bool:
    """True when Graphviz's `dot` program is on PATH."""
    return shutil.which("dot") is not None


def render(dot_text: str, fmt: str) -> bytes:
    """The picture of `dot_text` in `fmt` ("svg" or "png"); DiagramError without `dot`."""
    if not dot_available():
        raise DiagramError(f"cannot draw {fmt.upper()}: Graphviz's `dot` program is not "
                           f"installed; {INSTALL_HINT}")
    try:
        import graphviz  # the optional Python package: nicer errors, same program underneath
    except ImportError:
        graphviz = None
    if graphviz is not None:
        try:
            return graphviz.Source(dot_text).pipe(format=fmt)
        except graphviz.backend.ExecutableNotFound as exc:
            raise DiagramError(f"{exc}; {INSTALL_HINT}") from None
        except graphviz.backend.CalledProcessError as exc:
            raise DiagramError(f"Graphviz failed: {_text(exc.stderr)}") from None
    proc = subprocess.run(["dot", f"-T{fmt}"], input=dot_text.encode(), capture_output=True,
                          timeout=120, check=False)
    if proc.returncode != 0:
        raise DiagramError(f"Graphviz failed: {_text(proc.stderr)}")
    return proc.stdout


def write_diagram(dot_text: str, out: str | Path) -> Path:
    """Write `dot_text` to `out` as DOT, SVG or PNG, chosen by its suffix."""
    path = Path(out)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise DiagramError(f"cannot tell the diagram format of {str(path)!r}: name it "
                           f"{', '.join(sorted(set(FORMATS)))}")
    data = dot_text.encode() if fmt == "dot" else render(dot_text, fmt)
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise DiagramError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


def _text(stderr: bytes | str | None) -> str:
    if isinstance(stderr, bytes):
        stderr = stderr.decode(errors="replace")
    return (stderr or "").strip() or "no message"
