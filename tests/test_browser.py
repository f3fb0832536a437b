"""The app in a real browser: Debian's chromium driven by Playwright against ``paperkg ui``.

Searches in Chinese, follows a result to its paper, the paper to an institution, a
network node to another institution, downloads a GraphML export and parses it,
ingests a digest full of HTML/script/Markdown tricks through the Ingest page and
checks it shows as literal text with no dialog. Screenshots of every step go to
``artifacts/screenshots/``. Needs ``chromium`` and ``fonts-wqy-microhei`` (``make system-deps``).
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys

import networkx as nx
import pytest
from tests.app_helpers import (ROOT, XSS_DIGEST, XSS_SUMMARY, XSS_TITLE, app_env, free_port, sample_entry, shared_library,
                         wait_healthy)

from paperkg.graph.model import paper_key

SHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ATTENTION = "Attention is Not All You Need: Pure Attention Loses Rank Doubly Exponentially with Depth"
TIMEOUT_MS = 120_000


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``paperkg ui`` on a free port, on a copy of the indexed sample library."""
    home = tmp_path_factory.mktemp("browser") / "library"
    shutil.copytree(shared_library(tmp_path_factory), home)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "paperkg", "--home", str(home), "ui", "--port", str(port)], cwd=ROOT,
                            env=app_env(home), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_healthy(port, proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def browser():
    executable = shutil.which("chromium")
    assert executable, "chromium is not installed; run `make system-deps` (apt-get install chromium fonts-wqy-microhei)"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1300}, accept_downloads=True, locale="zh-CN")
    opened = context.new_page()
    opened.set_default_timeout(TIMEOUT_MS)
    opened.dialogs = []
    opened.on("dialog", lambda dialog: (opened.dialogs.append(dialog.message), dialog.dismiss()))
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield opened
    context.close()


def settle(page) -> None:
    """Wait until Streamlit has finished the current run."""
    page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=TIMEOUT_MS)
    page.wait_for_timeout(600)


def network_frame(page):
    """The network component's iframe, once its graph is drawn (``None`` on pages without one)."""
    frame = next((f for f in page.frames if "st_link_analysis" in f.url), None)
    if frame is not None:
        frame.wait_for_function("() => document.getElementById('cy')?._cyreg?.cy?.nodes().length > 0")
        frame.wait_for_timeout(800)
    return frame


def shot(page, name: str) -> None:
    network_frame(page)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def click_node(page, label: str) -> None:
    """Click the network node labelled ``label`` (Cytoscape canvas inside the component's iframe)."""
    frame = network_frame(page)
    assert frame is not None, "the page shows no network"
    position = frame.evaluate("""(label) => {
        const cy = document.getElementById('cy')._cyreg.cy;
        const node = cy.nodes().filter(n => n.data('label') === label)[0];
        return node ? node.renderedPosition() : null; }""", label)
    assert position, f"no node labelled {label!r}"
    frame.locator("#cy").click(position={"x": position["x"], "y": position["y"]})


def test_search_paper_institution_export(server, page):
    expected = sample_entry(ATTENTION)
    page.goto(server + "/?lang=zh")
    settle(page)
    box = page.get_by_role("textbox", name="检索论文（中文或英文）")
    box.fill("注意力 秩 坍缩")
    box.press("Enter")
    result = page.get_by_role("link", name=ATTENTION)
    result.first.wait_for()
    settle(page)
    assert page.get_by_text(expected["title_zh"]).first.is_visible()
    shot(page, "01-search-zh")

    result.first.click()
    page.wait_for_url(re.compile(r"/paper\?.*id=" + expected["id"]))
    settle(page)
    assert page.locator("h1").first.inner_text() == ATTENTION
    assert page.get_by_text("中文摘要").is_visible()
    shot(page, "02-paper")

    page.get_by_role("link", name="EPFL", exact=True).first.click()
    page.wait_for_url(re.compile(r"/institution\?.*name=EPFL"))
    settle(page)
    assert page.locator("h1").first.inner_text() == "EPFL"
    shot(page, "03-institution-EPFL")

    click_node(page, "Google")
    page.wait_for_url(re.compile(r"/institution\?.*name=Google"))
    settle(page)
    assert page.locator("h1").first.inner_text() == "Google"
    shot(page, "04-institution-Google-from-network")

    page.goto(server + "/export?lang=en&seeds=institution:Google&hops=2")
    settle(page)
    size = page.get_by_text(re.compile(r"^\d+ nodes, \d+ edges$")).first
    nodes, edges = map(int, re.findall(r"\d+", size.inner_text()))
    shot(page, "05-export")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download graphml").click()
    graph = nx.read_graphml(download.value.path())
    assert (graph.number_of_nodes(), graph.number_of_edges()) == (nodes, edges)
    assert "institution:Google" in graph
    assert page.dialogs == []


def test_untrusted_digest_shows_as_text(server, page):
    page.goto(server + "/ingest?lang=en")
    settle(page)
    page.get_by_label("Or paste digest text").fill(XSS_DIGEST)
    page.get_by_label("Name for the pasted text").fill("xss-digest")
    page.get_by_role("button", name="Ingest").click()
    page.get_by_text(re.compile(r"Done: 1 papers added")).wait_for(timeout=300_000)
    settle(page)
    shot(page, "06-ingest-xss")

    page.goto(server + f"/paper?lang=en&id={paper_key(XSS_TITLE)}")
    settle(page)
    assert page.locator("h1").first.inner_text() == XSS_TITLE
    assert page.get_by_text(XSS_SUMMARY).is_visible()
    assert page.get_by_role("link", name="B <b>Bold</b>").is_visible()
    assert page.locator("img[src=x]").count() == 0 and page.locator("main script").count() == 0
    shot(page, "07-xss-paper")
    click_node(page, "B <b>Bold</b>")  # opens the author page: the name survives the round trip
    page.wait_for_url(re.compile(r"/author\?.*lang=en"))
    settle(page)
    assert page.locator("h1").first.inner_text() == "B <b>Bold</b>"
    assert page.get_by_role("heading", name="Co-authors", exact=True).is_visible(), "the language survives a network click"
    shot(page, "08-xss-author")

    page.goto(server + "/?lang=en&q=Evil&mode=keyword")
    settle(page)
    page.get_by_role("link", name=XSS_TITLE).wait_for()
    shot(page, "09-xss-search")
    for frame in page.frames:
        assert frame.locator("img[src=x]").count() == 0
    assert page.dialogs == [], "no script from library text ran"
