"""The report opened in a real headless Chromium: it loads with no console message and shows
its figures. Skipped where no Chromium is installed (Debian: `apt-get install chromium`)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from archlang.report import write_report

BROWSER = next((b for b in ("chromium", "chromium-browser", "google-chrome", "chrome")
                if shutil.which(b)), None)
pytestmark = pytest.mark.skipif(BROWSER is None, reason="no Chromium to open the report in")


def _chromium(*args: str, cwd) -> subprocess.CompletedProcess:
    # no background networking, component updates, sync or QUIC: a machine without a network
    # otherwise answers Chromium's own connections with refusals, and a run can go astray
    cmd = [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--disable-quic", "--enable-logging=stderr", "--v=0",
           f"--user-data-dir={cwd}/profile", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=90, cwd=cwd, check=False)


def test_report_loads_cleanly_and_shows_its_figures(two_objective_study, space, tmp_path) -> None:
    page = write_report(two_objective_study, space, tmp_path / "r")[-1]
    url = page.resolve().as_uri()
    dom = _chromium("--dump-dom", url, cwd=tmp_path)
    assert dom.returncode == 0, dom.stderr[-2000:]
    console = [ln for ln in dom.stderr.splitlines() if ":CONSOLE" in ln]
    assert console == [], console  # no errors, no blocked request (the page's CSP forbids all)
    figures = dom.stdout.split("id=\"figures\"")[1].split("</div>")[0]
    assert figures.count("<svg") == 2  # the curve and the Pareto scatter, as the browser parsed them
    assert "<table id=\"trials\">" in dom.stdout

    shot = tmp_path / "shot.png"
    run = _chromium("--hide-scrollbars", "--window-size=1200,900", f"--screenshot={shot}", url,
                    cwd=tmp_path)
    assert run.returncode == 0 and shot.exists()
    import numpy as np
    from PIL import Image

    rgb = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    accent = np.abs(rgb - np.array([0x1F, 0x6F, 0xEB])).sum(axis=2) < 40  # the curves' blue
    assert accent.sum() > 500, "the best-so-far curve and the front are not drawn"
    assert (rgb.sum(axis=2) < 600).mean() > 0.02  # text and axes are drawn: not a blank page
