"""App speed on a 50k-paper library, measured in a real browser (chromium + Playwright).

    python -m bench.bench_app [--papers 50000] [--queries 12]

Targets:
- first page from a cold start < 5 s: from launching ``paperkg ui`` to the search
  page drawn in the browser with its search box (the page is usable: a search
  needs only the search index); the time until the newest papers are listed
  under it (which needs the whole graph store in memory) is printed too;
- a search answers in the page in < 1 s after the first load: from pressing
  Enter to the first result on screen, median and worst of the queries.

Baselines printed in the same run: the same cold start of a bare Streamlit app
that draws only a search box (the framework's floor on this machine), and on
the small sample library (the app's own start-up cost), opening the 50k graph store alone in
Python (what the listing waits for), and each query's time in the engine
in-process (the floor under the in-page time). The library and its index are
``bench.bench_search``'s (bench/synth.py digests, synthetic vectors, real
keyword index). The machine is shared: its load average is printed with the figures.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_search import indexed_library
from tests.synth import _EN_WORDS, _ZH_CHARS
from paperkg.graph.config import load_settings
from paperkg.graph.embedded import EmbeddedStore
from paperkg.services import ingest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SAMPLE_DIGESTS = sorted((ROOT / "data" / "digests").glob("*.txt"))
FIRST_RESULT = "[data-testid=stMain] [data-testid=stPageLink-NavLink]"


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


#: The framework's floor: a Streamlit app that only draws the same search box.
BARE_APP = 'import streamlit as st\nst.text_input("Search papers (Chinese or English)")\nst.caption("0 papers found")\n'


def start_app(home: Path, port: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAPERKG_", "NEO4J_"))}
    if home.suffix == ".py":  # the bare baseline app, started with the flags paperkg ui uses
        from paperkg.ui.commands.app import streamlit_command

        command = streamlit_command("127.0.0.1", port)
        command[command.index("run") + 1] = str(home)
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return subprocess.Popen([sys.executable, "-m", "paperkg", "--home", str(home), "ui", "--port", str(port)], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop_app(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def cold_start(browser, home: Path) -> tuple[float, float, subprocess.Popen, object, str]:
    """Seconds from launching ``paperkg ui`` to the search box, and to the papers listed."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/?lang=en"
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    started = time.perf_counter()
    proc = start_app(home, port)
    while True:
        try:
            page.goto(url, timeout=5_000)
            break
        except Exception:  # noqa: BLE001 - connection refused until the server listens
            if proc.poll() is not None:
                raise SystemExit(f"paperkg ui exited with {proc.returncode}")
            time.sleep(0.05)
    page.get_by_role("textbox", name="Search papers (Chinese or English)").wait_for(timeout=120_000)
    shell = time.perf_counter() - started
    page.get_by_text("papers found").wait_for(timeout=300_000)
    listing = time.perf_counter() - started
    return shell, listing, proc, page, url


def repeated_cold_starts(browser, home: Path, times: int) -> tuple[list[float], list[float]]:
    """Seconds to the search box and to the listing, for each of ``times`` fresh servers."""
    shells, listings = [], []
    for _ in range(times):
        shell, listing, proc, page, _ = cold_start(browser, home)
        stop_app(proc)
        page.close()
        shells.append(shell)
        listings.append(listing)
    return shells, listings


def queries(count: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    content = [w for w in _EN_WORDS if len(w) > 4]
    made = []
    for i in range(count):
        if i % 2:
            made.append("".join(rng.sample(_ZH_CHARS, 2)) + " " + "".join(rng.sample(_ZH_CHARS, 2)))
        else:
            made.append(" ".join(rng.sample(content, 3)))
    return made


def engine_times(home: Path, asked: list[str]) -> tuple[list[float], list[str]]:
    """In-process hybrid search time and top title per query (the floor and the answer key)."""
    from paperkg.search.engine import SearchEngine

    times, tops = [], []
    with SearchEngine.open(load_settings(home=str(home), environ={})) as engine:
        engine.search("warm up", k=1)
        for query in asked:
            started = time.perf_counter()
            hits = engine.search(query, k=20, mode="hybrid")
            times.append(time.perf_counter() - started)
            tops.append(hits[0]["title"] if hits else "")
    return times, tops


def page_search(page, query: str, expected_top: str) -> float:
    """Seconds from Enter to the engine's best hit in the page (weak matches are folded away
    under "Weak matches", still in the page: the synthetic queries match nothing well)."""
    box = page.get_by_role("textbox", name="Search papers (Chinese or English)")
    box.fill(query)
    started = time.perf_counter()
    box.press("Enter")
    page.locator(FIRST_RESULT).filter(has_text=expected_top).first.wait_for(state="attached", timeout=120_000)
    return time.perf_counter() - started


def sample_library(folder: Path) -> Path:
    home = folder / "sample"
    ingest(load_settings(home=str(home), environ={}), [str(p) for p in SAMPLE_DIGESTS], index=False)
    return home


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=12)
    parser.add_argument("--starts", type=int, default=3, help="cold starts per library (the median is printed)")
    args = parser.parse_args()
    executable = shutil.which("chromium")
    if not executable:
        raise SystemExit("bench_app: chromium is not installed; run `make system-deps`")
    home = indexed_library(args.papers)
    asked = queries(args.queries)
    floor, tops = engine_times(home, asked)
    started = time.perf_counter()
    EmbeddedStore(home).close()
    store_open = time.perf_counter() - started

    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as scratch:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        bare = Path(scratch) / "bare_app.py"
        bare.write_text(BARE_APP, encoding="utf-8")
        bare_shell, _ = repeated_cold_starts(browser, bare, args.starts)
        small = sample_library(Path(scratch))
        small_shell, small_listing = repeated_cold_starts(browser, small, args.starts)
        shell, listing = repeated_cold_starts(browser, home, args.starts - 1)
        shell_last, listing_last, proc, page, _ = cold_start(browser, home)
        shell = statistics.median(shell + [shell_last])
        listing = statistics.median(listing + [listing_last])
        try:
            previous, in_page = None, []
            first = page_search(page, asked[0], tops[0])
            for query, top in zip(asked[1:], tops[1:]):
                if not top or top == previous:
                    continue  # the same first result would not show that the page changed
                in_page.append(page_search(page, query, top))
                previous = top
        finally:
            stop_app(proc)
            browser.close()

    load = os.getloadavg()
    print(f"library: {args.papers:,} papers ({home}); machine load average {load[0]:.1f} on {os.cpu_count()} cores")
    small_shell, small_listing = statistics.median(small_shell), statistics.median(small_listing)
    print(f"cold start to search box:   {shell:5.2f} s   (median of {args.starts}; target < 5 s; baselines: "
          f"sample library {small_shell:.2f} s, a bare Streamlit app with one text box {statistics.median(bare_shell):.2f} s)")
    print(f"cold start to papers listed:{listing:6.2f} s   (baseline: sample library {small_listing:.2f} s; "
          f"opening the {args.papers // 1000}k store alone {store_open:.2f} s)")
    print(f"first search after load:    {first:5.2f} s")
    print(f"search in the page, {len(in_page)} queries: median {statistics.median(in_page):.2f} s, "
          f"max {max(in_page):.2f} s   (target < 1 s; baseline: engine in-process median "
          f"{statistics.median(floor) * 1000:.0f} ms, max {max(floor) * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
