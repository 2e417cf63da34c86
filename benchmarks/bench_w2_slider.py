"""Chapter 4 benchmark: the W2 slider's cost to build, to use and to download.

A measurement, not a test: it prints a markdown table and never fails on a number.

    .venv/bin/python benchmarks/bench_w2_slider.py [--repeats 5] [--site _build/html]

1. Building the precomputed frames (``w2_frames``: 26 PNG frames, W2 = 0.00 ... 2.50): the first
   build in a fresh process (figure set-up and font loading included) and the median of the
   following builds; per frame and in total.
2. Page weight: the bytes of the 26 frames as embedded in the page (HTML with base64 PNGs),
   the chapter notebook, and, if the site has been built, the chapter's HTML page.
3. If the site is built and Chromium is installed: on the static page, for 20 arrow-key
   presses on the slider, measured inside the page: the time the key handler takes
   (``performance.now()``, and whether the frame has switched when it returns), and how many
   animation frames (``requestAnimationFrame`` callbacks) pass until the new frame is visible:
   1 means it is shown in the first frame painted after the press. And the live explorer
   (computed and drawn by its script in the page): the time its input handler takes per move of
   W2, T and x_1, median and 90th percentile. Key press to picture in JupyterLab:
   benchmarks/bench_jupyterlab.py.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "04_vanishing_gradients.ipynb"


def frame_build_times(repeats: int) -> tuple[float, list[float], int, int]:
    from rnn_helpers.w2_slider import w2_frames

    started = time.perf_counter()
    frames, _, _ = w2_frames()
    first = time.perf_counter() - started
    later = []
    for _ in range(repeats):
        started = time.perf_counter()
        w2_frames()
        later.append(time.perf_counter() - started)
    return first, later, len(frames), sum(len(frame.encode()) for frame in frames)


EXPLORER_JS = """
async () => {
  // the live explorer: each move sets a range input and sends its 'input' event; the handler
  // computes the values, writes the SVG and caption and puts them into the page, all before it returns
  const root = document.querySelector('.w2-explorer[data-started="yes"]');
  if (!root) return null;
  const [w2, steps, size] = root.querySelectorAll('input[type=range]');
  const times = {"W2": [], "T": [], "x1": []};
  const move = async (input, value, name) => {
    await new Promise(resolve => requestAnimationFrame(resolve));
    input.value = value;
    const t0 = performance.now();
    input.dispatchEvent(new Event('input', {bubbles: true}));
    times[name].push(performance.now() - t0);
  };
  for (let i = 0; i < 60; i++) await move(w2, (7 * i + 3) % 51, "W2");  // jumps around the range
  for (let t = 2; t <= 60; t++) await move(steps, t, "T");
  for (let i = 0; i < 34; i++) await move(size, -12 + (5 * i) % 17, "x1");
  return times;
}
"""


STATIC_SWITCH_JS = """
async () => {
  const box = [...document.querySelectorAll('.widget-vbox')].find(b => b.querySelector('.widget-hslider')
      && b.querySelector('.frame-caption') && b.textContent.includes('W₂ ='));
  if (!box) return null;
  const visibleCaption = () => [...box.querySelectorAll('.frame-caption')].find(p => p.offsetParent !== null)?.textContent;
  const handle = box.querySelector('.noUi-handle, .ui-slider-handle, [role="slider"]');
  const presses = [];
  for (let i = 0; i < 20; i++) {
    await new Promise(resolve => requestAnimationFrame(resolve));  // start each press just after a frame
    const before = visibleCaption();
    const key = i < 10 ? 'ArrowRight' : 'ArrowLeft';
    const t0 = performance.now();
    handle.dispatchEvent(new KeyboardEvent('keydown', {key, code: key, keyCode: key === 'ArrowRight' ? 39 : 37, bubbles: true}));
    const inDom = visibleCaption() !== before;  // switched before the key handler returned?
    const handled = performance.now() - t0;
    const frames = await new Promise(resolve => {
      let count = 0;
      const check = () => { count += 1; visibleCaption() !== before ? resolve(count) : requestAnimationFrame(check); };
      requestAnimationFrame(check);
    });
    presses.push({handled, inDom, frames});
  }
  return presses;
}
"""


def static_switch_times(site: Path) -> tuple[list[dict], dict] | str:
    page = site / "notebooks" / "04_vanishing_gradients.html"
    chromium = Path("/usr/bin/chromium")
    if not page.exists():
        return f"not measured: no built page at {page.relative_to(ROOT) if page.is_relative_to(ROOT) else page}"
    if not chromium.exists():
        return "not measured: no /usr/bin/chromium"
    import functools
    import http.server
    import threading

    from playwright.sync_api import sync_playwright

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(chromium), headless=True,
                                                 args=["--no-sandbox", "--disable-gpu"])
            tab = browser.new_page(viewport={"width": 1280, "height": 900})
            tab.goto(f"http://127.0.0.1:{server.server_address[1]}/notebooks/04_vanishing_gradients.html")
            tab.wait_for_selector(".frame-caption", timeout=30_000)
            times = tab.evaluate(STATIC_SWITCH_JS)
            tab.wait_for_function("() => document.querySelector('.w2-explorer')?.dataset.started === 'yes'")
            explorer = tab.evaluate(EXPLORER_JS)
            browser.close()
    finally:
        server.shutdown()
    return (times, explorer) if times else "not measured: the W2 slider was not found on the page"


def ms(seconds: float) -> str:
    return f"{1000 * seconds:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="frame builds after the first (median reported)")
    parser.add_argument("--site", type=Path, default=ROOT / "_build" / "html", help="the built website, if any")
    arguments = parser.parse_args()

    first, later, count, frame_bytes = frame_build_times(arguments.repeats)
    static = static_switch_times(arguments.site.resolve())
    page = arguments.site.resolve() / "notebooks" / "04_vanishing_gradients.html"

    print(f"Chapter 4 W2 slider benchmark ({platform.machine()}, Python {platform.python_version()}, "
          f"{sys.platform}; wall-clock times, machine shared with other work)\n")
    print("| what | measured |")
    print("|---|---|")
    print(f"| frames built | {count} |")
    print(f"| first build, fresh process (figure set-up included) | {first:.2f} s ({ms(first / count)} per frame) |")
    median = statistics.median(later) if later else float("nan")
    print(f"| later builds, median of {len(later)} | {median:.2f} s ({ms(median / count)} per frame) |")
    if isinstance(static, str):
        print(f"| static page, arrow key to next frame | {static} |")
    else:
        static, explorer = static
        for control, times in explorer.items():
            times = sorted(times)
            p90 = times[int(0.9 * (len(times) - 1))]
            print(f"| live explorer on the static page, move of {control}: the input handler (values, SVG, "
                  f"into the page), median / 90th percentile ({len(times)} moves) | {times[len(times) // 2]:.2f} ms / "
                  f"{p90:.2f} ms |")
        handled = [press["handled"] for press in static]
        in_dom = sum(press["inDom"] for press in static)
        first_frame = sum(press["frames"] == 1 for press in static)
        print(f"| static page, time in the arrow key's handler: median / max ({len(static)} presses) "
              f"| {statistics.median(handled):.1f} ms / {max(handled):.1f} ms (frame switched before it returned: "
              f"{in_dom} of {len(static)}) |")
        print(f"| static page, new frame shown at the first animation frame after the key press "
              f"| {first_frame} of {len(static)} presses |")
    print(f"| frames as embedded (HTML, base64 PNG) | {frame_bytes / 1e6:.2f} MB ({frame_bytes / count / 1e3:.0f} kB per frame) |")
    print(f"| chapter notebook with outputs | {NOTEBOOK.stat().st_size / 1e6:.2f} MB |")
    if page.exists():
        print(f"| built chapter page (HTML) | {page.stat().st_size / 1e6:.2f} MB |")
    else:
        print("| built chapter page (HTML) | not built |")


if __name__ == "__main__":
    main()
