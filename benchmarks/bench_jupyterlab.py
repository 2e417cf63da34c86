"""Chapter 4's live W2 explorer as a reader feels it: key press to new picture on screen, in JupyterLab.

A measurement, not a test: it prints a markdown table and never fails on a number.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/bench_jupyterlab.py [--compare main] [--rounds 4] [--presses 12]

It starts a real JupyterLab (the one pinned in requirements-dev.txt, from .venv) on 127.0.0.1
(a free port 8890-8899, a random token, --allow-root, --no-browser) whose root directory is a
temporary COPY of chapter 4, cut after the live explorer's cell (so no committed file changes and
the slow cells after it are not run), with PYTHONPATH set to the checkout measured, so the
kernel imports that checkout's rnn_helpers. Headless Chromium (/usr/bin/chromium, never a
download) opens the chapter, runs all its cells and then, for each control of the explorer,
focuses the slider and presses an arrow key ``--presses`` times. Inside the page it measures from
the keydown event to the new picture on screen: a MutationObserver sees the picture change (an
<img>'s src, or the HTML holding an inline SVG), an <img> is decoded (``img.decode()``), and the
time is taken after the next animation frame (``requestAnimationFrame``, then a task posted from
it, i.e. after that frame was painted). Controls: W2 (a step of 0.05), T up to values not drawn
before in this kernel, T to values drawn before, and the size of x1 (a quarter decade). Then a
mouse drag of the W2 slider (about 1.2 s): pictures shown per second during the drag, and the time
from the release to the last picture. The explorer is found in either form it has had: since it
is drawn in the browser, an HTML output whose script has started (range inputs, the picture in
``.w2-explorer-picture``); before, an ipywidgets output redrawn by the kernel.

``--compare REF`` measures a second version, the commit REF of this repository (its rnn_helpers
and its chapter 4, exported with ``git archive`` into a temporary directory), in a second
JupyterLab; the rounds alternate between the two versions (A, B, A, B, ...) so that both see the
same load of the machine, and the page of the version not being timed is frozen meanwhile (no
tasks, no frames: as Chromium treats a background tab), so each is timed as a reader with one
notebook open feels it. Prints one markdown table with both.

The kernel-side times (draw and encode, no browser) are in benchmarks/bench_w2_slider.py.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = "notebooks/04_vanishing_gradients.ipynb"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
CONTROLS = ("W2", "T, to a new value", "T, back to a value drawn before", "x1")

# In the page: the explorer (the output holding three sliders), its sliders, its picture.
FIND_JS = """
() => {
  // the explorer: its HTML output once its script has started (since the explorer is drawn in the
  // browser), or, in versions before, the widget output holding three sliders and the picture
  const outputs = [...document.querySelectorAll('.jp-OutputArea-output')];
  const started = document.querySelector('.w2-explorer[data-started="yes"]');
  const box = started || outputs.find(o => o.querySelectorAll('.widget-hslider, .widget-slider').length >= 3
                                      && (o.querySelector('img') || o.querySelector('svg')));
  if (!box) return false;
  window.__explorer = box;
  box.scrollIntoView({block: 'start'});
  return true;
}
"""

# The element whose content changes when a new picture is shown.
TARGET_JS = """
  const box = window.__explorer;
  const img = box.querySelector('img');
  const target = box.querySelector('.w2-explorer-picture')
    || img || box.querySelector('svg').closest('.widget-html-content, .widget-html, div');
"""

ARM_JS = """
() => {
  // Resolves with the ms from the next keydown (or the given start) to the next picture painted.
""" + TARGET_JS + """  window.__t0 = null;
  window.__keydown = e => { if (window.__t0 === null) window.__t0 = performance.now(); };
  window.addEventListener('keydown', window.__keydown, {capture: true, once: true});
  window.__result = new Promise(resolve => {
    const observer = new MutationObserver(async () => {
      observer.disconnect();
      if (img) { try { await img.decode(); } catch (e) {} }
      requestAnimationFrame(() => {
        const channel = new MessageChannel();
        channel.port1.onmessage = () => resolve(performance.now() - window.__t0);
        channel.port2.postMessage(0);
      });
    });
    observer.observe(target, {attributes: true, attributeFilter: ['src'], childList: true, subtree: true,
                              characterData: true});
    setTimeout(() => { observer.disconnect(); resolve(null); }, 5000);
  });
  return true;
}
"""

DRAG_ARM_JS = """
() => {
""" + TARGET_JS + """  window.__pictures = [];
  window.__released = null;
  window.addEventListener('mouseup', () => { window.__released = performance.now(); }, {capture: true, once: true});
  window.__observer = new MutationObserver(async () => {
    if (img) { try { await img.decode(); } catch (e) {} }
    requestAnimationFrame(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => window.__pictures.push(performance.now());
      channel.port2.postMessage(0);
    });
  });
  window.__observer.observe(target, {attributes: true, attributeFilter: ['src'], childList: true, subtree: true,
                                     characterData: true});
  return performance.now();
}
"""


FINAL_JS = """
async () => {
  // the W2 slider's readout after the release, then wait for a picture titled with that value
  const box = window.__explorer;
  const value = box.querySelector('output, .widget-readout').textContent.trim();
  const shown = () => [...box.querySelectorAll('svg text, .live-caption')].some(e => e.textContent.startsWith(`W₂ = ${value},`));
  const img = box.querySelector('img');
  const started = performance.now();
  while (performance.now() - started < 5000) {
    if (shown() && (!img || img.complete)) {
      await new Promise(resolve => requestAnimationFrame(() => {
        const channel = new MessageChannel(); channel.port1.onmessage = resolve; channel.port2.postMessage(0); }));
      return Math.max(0, performance.now() - window.__released);
    }
    await new Promise(resolve => requestAnimationFrame(resolve));
  }
  return null;
}
"""


def free_port() -> int:
    for port in range(8890, 8900):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port in 8890-8899")


def export_version(ref: str, into: Path) -> Path:
    """Commit ``ref``'s rnn_helpers and chapter 4 in ``into`` (a directory for PYTHONPATH)."""
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "rnn_helpers", CHAPTER],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def cut_copy(source: Path, into: Path) -> str:
    """A copy of chapter 4 that ends with the live explorer's cell, in ``into``; returns its name."""
    import nbformat

    notebook = nbformat.read(source / CHAPTER, as_version=4)
    last = max(k for k, cell in enumerate(notebook.cells)
               if cell.cell_type == "code" and "live_w2_explorer(" in cell.source)
    notebook.cells = notebook.cells[: last + 1]
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    notebook.metadata.pop("widgets", None)
    into.mkdir(parents=True, exist_ok=True)
    name = Path(CHAPTER).name
    nbformat.write(notebook, into / name)
    return name


@contextlib.contextmanager
def jupyterlab(checkout: Path, workdir: Path):
    """A JupyterLab server whose kernels import ``checkout``'s rnn_helpers. Yields (url, notebook)."""
    notebook = cut_copy(checkout, workdir / "root")
    port, token = free_port(), secrets.token_hex(16)
    env = {**os.environ, "PYTHONPATH": str(checkout), "JUPYTER_CONFIG_DIR": str(workdir / "config"),
           "JUPYTER_DATA_DIR": str(workdir / "data"), "JUPYTER_RUNTIME_DIR": str(workdir / "runtime"),
           "IPYTHONDIR": str(workdir / "ipython")}
    command = [str(ROOT / ".venv" / "bin" / "jupyter-lab"), "--no-browser", "--allow-root", "--ip=127.0.0.1",
               f"--port={port}", "--port-retries=0", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={workdir / 'root'}", f"--LabApp.user_settings_dir={workdir / 'settings'}",
               f"--LabApp.workspaces_dir={workdir / 'workspaces'}", "--LabApp.news_url=None",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    log = open(workdir / "server.log", "w")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=workdir)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(240):
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
                break
            if server.poll() is not None:
                raise RuntimeError(f"JupyterLab stopped; see {workdir / 'server.log'}")
            time.sleep(0.5)
        yield f"{url}/lab/tree/{notebook}?token={token}", notebook
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def open_and_run(browser, url: str):
    """Open the chapter in a new page, run all its cells, wait for the explorer. Returns the page."""
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(url)
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
    idle = """() => [...document.querySelectorAll('.jp-StatusBar-Widget, .jp-StatusBar-TextItem')]
                    .some(e => /\\|\\s*Idle/.test(e.textContent))"""
    for attempt in range(3):
        # the kernel has started (the status bar says "Idle"), else Run All may be lost
        page.wait_for_function(idle, timeout=120_000, polling=250)
        page.wait_for_timeout(1000)
        page.click('.lm-MenuBar-itemLabel:text-is("Run")', timeout=30_000)  # the main menu's Run
        page.click('.lm-Menu-itemLabel:text-is("Run All Cells")', timeout=30_000)
        try:
            page.wait_for_function(FIND_JS, timeout=240_000, polling=500)
            break
        except Exception:
            page.screenshot(path=str(Path(tempfile.gettempdir()) / "bench_jupyterlab_failure.png"))
            if attempt == 2:
                raise
    page.wait_for_timeout(1500)  # let the first picture settle
    return page


def slider_handle(page, index: int):
    """The index-th slider of the explorer: a range input, or (versions before) a widget's handle."""
    explorer = page.locator(".w2-explorer")
    if explorer.count():
        return explorer.last.locator("input[type=range]").nth(index)
    return page.locator(".jp-OutputArea-output").filter(has=page.locator(".widget-hslider")).last \
        .locator(".noUi-handle, .ui-slider-handle").nth(index)


def press_times(page, index: int, keys: list[str]) -> list[float | None]:
    handle = slider_handle(page, index)
    handle.focus()
    times = []
    for key in keys:
        page.evaluate(ARM_JS)
        page.keyboard.press(key)
        times.append(page.evaluate("() => window.__result"))
        page.wait_for_timeout(120)  # the next press starts on a quiet page
    return times


def drag(page, leftwards: bool) -> dict:
    handle = slider_handle(page, 0)
    handle.scroll_into_view_if_needed()
    box = handle.bounding_box()
    if page.locator(".w2-explorer").count():  # a range input: its thumb sits at the value's place
        track = box
        share = handle.evaluate("i => (i.value - i.min) / (i.max - i.min)")
        x, y = box["x"] + 8 + share * (box["width"] - 16), box["y"] + box["height"] / 2
    else:
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        track = page.locator(".jp-OutputArea-output").filter(has=page.locator(".widget-hslider")).last \
            .locator(".noUi-target, .ui-slider").first.bounding_box()
    distance = track["width"] * 0.45 * (-1 if leftwards else 1)
    page.evaluate(DRAG_ARM_JS)
    page.mouse.move(x, y)
    page.mouse.down()
    started = page.evaluate("() => performance.now()")
    moves = 40
    for k in range(1, moves + 1):
        page.mouse.move(x + distance * k / moves, y)
        page.wait_for_timeout(30)
    page.mouse.up()
    # from the release (the mouseup event) to the picture of the slider's last value on screen
    final = page.evaluate(FINAL_JS)
    page.wait_for_timeout(1500)
    pictures = page.evaluate("() => { window.__observer.disconnect(); return window.__pictures; }")
    released = page.evaluate("() => window.__released")
    during = [t for t in pictures if started <= t <= released]
    return {"per_second": len(during) / ((released - started) / 1000), "after_release": final,
            "first": (min(pictures) - started) if pictures else None}


def measure_round(page, round_index: int, presses: int) -> dict:
    even = round_index % 2 == 0
    results = {}
    results["W2"] = press_times(page, 0, ["ArrowLeft" if even else "ArrowRight"] * presses)
    results["T, to a new value"] = press_times(page, 1, ["ArrowRight"] * presses)
    half = presses // 2
    results["T, back to a value drawn before"] = press_times(page, 1, ["ArrowLeft"] * half + ["ArrowRight"] * half)
    results["x1"] = press_times(page, 2, ["ArrowLeft" if even else "ArrowRight"] * presses)
    results["drag"] = drag(page, leftwards=even)
    return results


def summary(times: list) -> str:
    valid = sorted(t for t in times if t is not None)
    missing = len(times) - len(valid)
    if not valid:
        return "no picture"
    p90 = valid[math.ceil(0.9 * len(valid)) - 1]  # nearest rank
    text = f"{statistics.median(valid):.0f} / {p90:.0f} ms"
    return text + (f" ({missing} presses showed no picture)" if missing else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", metavar="REF", help="a commit to measure too, rounds interleaved")
    parser.add_argument("--rounds", type=int, default=4, help="rounds per version (T needs 12 x rounds <= 48)")
    parser.add_argument("--presses", type=int, default=12, help="arrow-key presses per control and round")
    arguments = parser.parse_args()
    from playwright.sync_api import sync_playwright

    workdir = Path(tempfile.mkdtemp(prefix="bench_jupyterlab_"))
    versions = [("this checkout", ROOT)]
    if arguments.compare:
        sha = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", arguments.compare], check=True,
                             capture_output=True, text=True).stdout.strip()
        versions.insert(0, (f"{arguments.compare} ({sha})", export_version(arguments.compare, workdir / "ref")))
    results = {name: {control: [] for control in (*CONTROLS, "drag")} for name, _ in versions}
    try:
        with contextlib.ExitStack() as stack, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            pages = {}
            for k, (name, checkout) in enumerate(versions):
                url, _ = stack.enter_context(jupyterlab(checkout, workdir / f"lab{k}"))
                started = time.perf_counter()
                pages[name] = open_and_run(browser, url)
                print(f"{name}: JupyterLab open and cells run in {time.perf_counter() - started:.0f} s",
                      file=sys.stderr, flush=True)
            sessions = {name: page.context.new_cdp_session(page) for name, page in pages.items()}
            for round_index in range(arguments.rounds):
                for name, _ in versions:
                    # a reader has one notebook open: the other version's page is frozen (no
                    # tasks, no frames, as Chromium does to a background tab) while this one is timed
                    for other, session in sessions.items():
                        session.send("Page.setWebLifecycleState", {"state": "active" if other == name else "frozen"})
                    pages[name].bring_to_front()
                    pages[name].wait_for_timeout(1000)
                    one = measure_round(pages[name], round_index, arguments.presses)
                    for control in CONTROLS:
                        results[name][control].extend(one[control])
                    results[name]["drag"].append(one["drag"])
                    print(f"round {round_index + 1}, {name}: " + json.dumps(
                        {c: summary(one[c]) for c in CONTROLS} | {"drag": one["drag"]}), file=sys.stderr, flush=True)
            browser.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    load = os.getloadavg()[0]
    print(f"Chapter 4 live W2 explorer in JupyterLab, key press to new picture on screen "
          f"({time.strftime('%Y-%m-%d')}, {platform.machine()}, {os.cpu_count()} cores, "
          f"load average {load:.1f} at the end; {arguments.rounds} rounds x {arguments.presses} presses "
          f"per control{', versions interleaved' if arguments.compare else ''})\n")
    names = [name for name, _ in versions]
    print("| control: median / 90th percentile | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for control in CONTROLS:
        print(f"| {control} | " + " | ".join(summary(results[name][control]) for name in names) + " |")

    def drag_cell(name: str, key: str, fmt: str) -> str:
        values = [d[key] for d in results[name]["drag"] if d[key] is not None]
        return fmt.format(statistics.median(values)) if values else "no picture"

    print("| drag of W2: pictures per second during the drag (median of rounds) | "
          + " | ".join(drag_cell(n, "per_second", "{:.1f}") for n in names) + " |")
    print("| drag of W2: first picture after the press (median of rounds) | "
          + " | ".join(drag_cell(n, "first", "{:.0f} ms") for n in names) + " |")
    print("| drag of W2: picture of the last value on screen, after the release (median of rounds) | "
          + " | ".join(drag_cell(n, "after_release", "{:.0f} ms") for n in names) + " |")


if __name__ == "__main__":
    main()
