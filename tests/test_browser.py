"""The app in a real browser: Debian's chromium driven by Playwright against ``paperkg ui``.

Searches in Chinese, follows a result to its paper, the paper to an institution, a network
node to another institution, downloads a GraphML export and parses it; Back and Forward
across search, paper, author and a network click return to the same pages and state; lists
open a row's page on a click; networks label only what fits; the Chinese interface speaks
Chinese everywhere in a CJK font; filter typos and dates; an ingest shows each step with its
seconds, and a digest full of HTML/script/Markdown tricks shows as literal text with no dialog.
Screenshots of every step and of every page in both languages go to ``artifacts/screenshots/``.
Needs ``chromium``, ``fonts-wqy-microhei`` and ``fonts-noto-cjk`` (``make system-deps``).
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter

import networkx as nx
import pytest
from tests.app_helpers import (ROOT, XSS_DIGEST, XSS_SUMMARY, XSS_TITLE, app_env, free_port, sample_entry, shared_library,
                               wait_healthy)

from paperkg.graph.model import paper_key

pytestmark = [pytest.mark.browser, pytest.mark.model]

SHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ATTENTION = "Attention is Not All You Need: Pure Attention Loses Rank Doubly Exponentially with Depth"
TIMEOUT_MS = 120_000
#: Every page of the app, as a shared link would open it.
EVERY_PAGE = [("search", "/"), ("search-results", "/?q=扩散模型"), ("search-no-good-match", "/?q=蛋白质结构预测"),
              ("papers", "/paper"), ("paper", "/paper?id=d95d0c67138d1430"), ("institutions", "/institution"),
              ("institution", "/institution?id=google"), ("authors", "/author"), ("author", "/author?id=Y+Li"),
              ("overview", "/overview"), ("export", "/export?seeds=institution:google&hops=2"),
              ("export-search", "/export?select=query&q=attention"), ("ingest", "/ingest"),
              ("corrections", "/corrections"), ("corrections-made", "/corrections?view=made")]
#: What the network picture of the drawn SVGs measures: every label's box against every other and every node.
LABEL_CHECK = """() => [...document.querySelectorAll("svg.pk-canvas")].map((svg) => {
  const boxes = [...svg.querySelectorAll("text.pk-label")].map((t) => t.getBBox());
  const nodes = [...svg.querySelectorAll("circle.pk-node")].map((c) => ({x: +c.getAttribute("cx"),
    y: +c.getAttribute("cy"), r: +c.getAttribute("r")}));
  let overlapping = 0, underNode = 0;
  boxes.forEach((a, i) => {
    boxes.slice(i + 1).forEach((b) => {
      if (a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height) overlapping++;
    });
    nodes.forEach((c) => {
      const dx = Math.max(a.x - c.x, 0, c.x - a.x - a.width), dy = Math.max(a.y - c.y, 0, c.y - a.y - a.height);
      if (dx * dx + dy * dy < c.r * c.r) underNode++;
    });
  });
  return {nodes: nodes.length, labels: boxes.length, overlapping, underNode};
})"""


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
        yield f"http://127.0.0.1:{port}", home
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
    """Wait until Streamlit has finished the current run and the networks are drawn."""
    page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=TIMEOUT_MS)
    page.wait_for_timeout(700)


def shot(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def node_position(page, label: str) -> dict:
    """Where the network node named ``label`` is drawn (its name is its circle's title)."""
    found = page.evaluate("""(label) => {
        const node = [...document.querySelectorAll("circle.pk-node")].find((c) => c.querySelector("title").textContent === label);
        if (!node) return null;
        node.scrollIntoView({block: "center"});
        const box = node.getBoundingClientRect();
        return {x: box.x + box.width / 2, y: box.y + box.height / 2}; }""", label)
    assert found, f"no node named {label!r}"
    return found


def click_node(page, label: str) -> None:
    position = node_position(page, label)
    page.mouse.click(position["x"], position["y"])


def click_first_row(page, column_x: int = 300) -> None:
    """Click the first data row of the first table (its cells are drawn on a canvas)."""
    grid = page.locator("[data-testid=stMain] [data-testid=stDataFrame]").first
    grid.wait_for()
    box = grid.bounding_box()
    page.mouse.click(box["x"] + column_x, box["y"] + 35 + 17)


def test_search_paper_institution_export(server, page):
    base, _ = server
    expected = sample_entry(ATTENTION)
    page.goto(base + "/?lang=zh")
    settle(page)
    box = page.get_by_role("textbox", name="检索论文（中文或英文）")
    box.fill("注意力 秩 坍缩")
    box.press("Enter")
    result = page.get_by_role("link", name=ATTENTION)
    result.first.wait_for()
    settle(page)
    assert page.get_by_text("强匹配").first.is_visible(), "the best result says it matches strongly"
    sizes = page.evaluate("""() => { const card = document.querySelector("[class*=st-key-hit-0]");
        const size = (e) => parseFloat(getComputedStyle(e).fontSize);
        const title = card.querySelector("[data-testid=stPageLink] p");
        return [size(title), Math.max(...[...card.querySelectorAll("p")].filter((p) => p !== title).map(size))]; }""")
    assert sizes[0] > sizes[1], f"the English title is the largest text of its card: {sizes}"
    shot(page, "01-search-zh")

    result.first.click()
    page.wait_for_url(re.compile(r"/paper\?.*id=" + expected["id"]))
    settle(page)
    assert page.locator("h1").first.inner_text() == ATTENTION
    assert page.get_by_text("中文摘要").is_visible()
    shot(page, "02-paper")

    page.get_by_role("link", name="EPFL", exact=True).first.click()
    page.wait_for_url(re.compile(r"/institution\?.*id=epfl"))
    settle(page)
    assert page.locator("h1").first.inner_text() == "EPFL"
    shot(page, "03-institution-EPFL")

    click_node(page, "Google")
    page.wait_for_url(re.compile(r"/institution\?.*id=google"))
    settle(page)
    assert page.locator("h1").first.inner_text() == "Google"
    shot(page, "04-institution-Google-from-network")

    page.goto(base + "/export?lang=en&seeds=institution:google&hops=2")
    settle(page)
    size = page.get_by_text(re.compile(r"^\d+ nodes, \d+ edges$")).first
    nodes, edges = map(int, re.findall(r"\d+", size.inner_text()))
    shot(page, "05-export")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download graphml").click()
    assert download.value.suggested_filename == "google-2hop.graphml", "named after the selection"
    graph = nx.read_graphml(download.value.path())
    assert (graph.number_of_nodes(), graph.number_of_edges()) == (nodes, edges)
    assert "institution:google" in graph
    assert page.dialogs == []


def test_back_and_forward_return_to_the_same_page_and_state(server, page):
    """search -> paper -> author -> a co-author's node in the network, then Back to the query and Forward again."""
    base, _ = server
    page.goto(base + "/?q=diffusion&mode=keyword&category=LG&lang=en")
    settle(page)
    visited = [page.url]
    page.get_by_role("link", name="Denoising Diffusion Probabilistic Models").first.click()
    page.wait_for_url(re.compile(r"/paper\?"))
    settle(page)
    visited.append(page.url)
    page.get_by_role("link", name="J Ho", exact=True).first.click()
    page.wait_for_url(re.compile(r"/author\?.*id=J\+Ho"))
    settle(page)
    visited.append(page.url)
    click_node(page, "P Abbeel")
    page.wait_for_url(re.compile(r"/author\?.*id=P\+Abbeel"))
    settle(page)
    visited.append(page.url)
    titles = ["Paper knowledge graph", "Denoising Diffusion Probabilistic Models", "J Ho", "P Abbeel"]
    for url, title in reversed(list(zip(visited, titles))[:-1]):
        page.go_back()
        settle(page)
        assert page.url == url and page.locator("h1").first.inner_text() == title
    assert page.get_by_role("textbox", name="Search papers (Chinese or English)").input_value() == "diffusion"
    assert page.get_by_role("radio", name="Keyword").get_attribute("aria-checked") == "true"
    assert page.get_by_role("combobox", name="Category").input_value().startswith("LG")
    assert page.get_by_role("link", name="Denoising Diffusion Probabilistic Models").first.is_visible()
    shot(page, "10-back-to-the-search")
    for url, title in list(zip(visited, titles))[1:]:
        page.go_forward()
        settle(page)
        assert page.url == url and page.locator("h1").first.inner_text() == title


def test_lists_open_a_row_when_it_is_clicked(server, page):
    base, home = server
    from paperkg.graph.embedded import EmbeddedStore

    with EmbeddedStore(home) as store:
        papers = store.papers()
        most, count = Counter(k for p in papers for k in set(p["institution_ids"])).most_common(1)[0]
        name = store.get_node("institution:" + most)["name"]
    page.goto(base + "/institution?lang=en")
    settle(page)
    assert page.get_by_text(re.compile(r"^\d+ institutions$")).first.is_visible()
    shot(page, "11-institutions-list")
    click_first_row(page, column_x=150)
    page.wait_for_url(re.compile(r"/institution\?.*id=" + re.escape(most)))
    settle(page)
    assert page.locator("h1").first.inner_text() == name
    page.go_back()
    settle(page)
    assert page.locator("h1").first.inner_text() == "Institutions", "Back returns to the list, which stays put"

    page.goto(base + "/paper?lang=en&sort=oldest")
    settle(page)
    oldest = min(papers, key=lambda p: (p["posted_at"], ))
    click_first_row(page, column_x=450)
    page.wait_for_url(re.compile(r"/paper\?.*id="))
    settle(page)
    assert page.locator("h1").first.inner_text().startswith(tuple(
        p["title"][:20] for p in papers if p["posted_at"] == oldest["posted_at"]))
    page.get_by_role("link", name=re.compile(r"^(LG|CV|CL|SD|AS|RO|AI|IR) ")).first.click()
    page.wait_for_url(re.compile(r"/paper\?category="))
    settle(page)
    assert page.locator("h1").first.inner_text() == "Papers" and "q=" not in page.url, "a category opens its papers"
    page.goto(base + "/paper?lang=en&id=d95d0c67138d1430")
    settle(page)
    click_node(page, "LG")  # the category node of the paper's network
    page.wait_for_url(re.compile(r"/paper\?category=LG"))
    settle(page)
    assert page.locator("h1").first.inner_text() == "Papers"
    shown = int(page.get_by_text(re.compile(r"^\d+ papers?$")).first.inner_text().split()[0])
    assert shown == sum(p["category"] == "LG" for p in papers)


@pytest.mark.parametrize("name,path", [("overview", "/overview"), ("author-Y-Li", "/author?id=Y+Li"),
                                       ("paper-network", "/paper?id=d95d0c67138d1430"),
                                       ("export-2hop", "/export?seeds=institution:google&hops=2")])
def test_networks_label_what_fits_and_nothing_under_a_node(server, page, name, path):
    base, _ = server
    page.goto(base + path + "&lang=zh" if "?" in path else base + path + "?lang=zh")
    settle(page)
    page.locator("svg.pk-canvas text.pk-label").first.wait_for()
    drawn = page.evaluate(LABEL_CHECK)
    assert drawn and all(d["overlapping"] == 0 and d["underNode"] == 0 for d in drawn), drawn
    assert all(d["labels"] >= min(d["nodes"], 5) for d in drawn), drawn
    assert page.get_by_text("No selected elements").count() == 0
    shot(page, f"12-network-{name}")
    unlabelled = page.evaluate("""() => {
        const svg = document.querySelector("svg.pk-canvas");
        const shown = new Set([...svg.querySelectorAll("text.pk-label")].map((t) => t.dataset.i));
        const node = [...svg.querySelectorAll("circle.pk-node")].find((c) => !shown.has(c.dataset.i));
        return node ? node.querySelector("title").textContent : null; }""")
    if unlabelled is not None:  # a name that did not fit shows on hover
        position = node_position(page, unlabelled)
        page.mouse.move(position["x"], position["y"])
        page.locator("svg.pk-canvas text.pk-hover-text").first.wait_for()
        assert page.locator("svg.pk-canvas text.pk-hover-text").first.text_content() == unlabelled
        shot(page, f"12-network-{name}-hover")


#: Interface words that must not show in the Chinese interface (whole lines), and phrases anywhere.
ENGLISH_LINES = {"Any", "Upload", "Browse files", "Title", "Posted", "Category", "From", "Until", "Filters", "Search",
                 "Digests", "Mode", "Hybrid"}
ENGLISH_PHRASES = ("per file", "Press Enter", "Select all", "No selected elements", "Drag and drop", "(embedded)")


@pytest.mark.parametrize("name,path", EVERY_PAGE, ids=[n for n, _ in EVERY_PAGE])
def test_every_page_in_both_languages(server, page, name, path):
    """A screenshot of each page in English and 中文; the Chinese one has no English interface text."""
    base, _ = server
    for lang in ("en", "zh"):
        page.goto(base + path + ("&" if "?" in path else "?") + f"lang={lang}")
        settle(page)
        shot(page, f"20-{name}-{lang}")
        if lang == "zh":
            text = page.locator("[data-testid=stApp]").inner_text()
            # Streamlit's keyboard skip link (shown only when tabbed to) is the one English line left
            lines = {line.strip() for line in text.splitlines()} - {"Skip to main content"}
            assert not lines & ENGLISH_LINES, lines & ENGLISH_LINES
            assert not [p for p in ENGLISH_PHRASES if p in text]


def test_switching_to_chinese_keeps_nothing_english_in_a_cjk_font(server, page):
    base, _ = server
    page.goto(base + "/paper?lang=en")
    settle(page)
    assert page.get_by_role("combobox", name="Category").input_value() == "Any"
    page.get_by_role("combobox", name="Language / 界面语言").click()
    page.get_by_role("option", name="中文").click()
    settle(page)
    assert page.get_by_role("combobox", name="类别").input_value() == "全部", "the category box follows the language"
    page.goto(base + "/ingest?lang=zh")
    settle(page)
    assert page.get_by_role("button", name=re.compile("选择文件")).is_visible() or page.get_by_text("选择文件").is_visible()
    family = page.evaluate("getComputedStyle(document.querySelector('[data-testid=stMarkdownContainer] p')).fontFamily")
    assert family.startswith('"Source Sans", "Noto Sans CJK SC"'), family
    matched = subprocess.run(["fc-match", "Noto Sans CJK SC"], capture_output=True, text=True).stdout
    assert "NotoSansCJK" in matched, f"the install provides the CJK face (fonts-noto-cjk): {matched}"
    page.goto(base + "/overview?lang=zh")
    settle(page)
    assert page.get_by_text("日报", exact=True).first.is_visible()
    shot(page, "13-zh-overview")


def test_filter_typos_and_dates(server, page):
    base, _ = server
    page.goto(base + "/?q=diffusion&lang=en&institution=Googel")
    settle(page)
    hint = page.locator("[data-testid=stSidebar]").get_by_text(re.compile("Googel"))
    assert "Did you mean: Google" in hint.first.inner_text()
    shot(page, "14-filter-typo")
    page.goto(base + "/paper?lang=en")
    settle(page)
    everything = int(page.get_by_text(re.compile(r"^\d+ papers$")).first.inner_text().split()[0])
    since = page.get_by_role("textbox", name="From")
    since.fill("2021-06-01")
    since.press("Enter")
    settle(page)
    assert "since=2021-06-01" in page.url, "a date applies on Enter"
    narrowed = int(page.get_by_text(re.compile(r"^\d+ papers?$")).first.inner_text().split()[0])
    assert 0 < narrowed < everything
    until = page.get_by_role("textbox", name="Until")
    until.fill("2021-05-01")
    until.press("Enter")
    settle(page)
    assert page.get_by_text(re.compile("From 2021-06-01 is after Until 2021-05-01")).first.is_visible()


def test_untrusted_digest_shows_as_text_and_ingest_shows_its_steps(server, page):
    base, _ = server
    page.goto(base + "/ingest?lang=en")
    settle(page)
    page.get_by_label("Or paste digest text").fill(XSS_DIGEST)
    page.get_by_label("Name for the pasted text").fill("xss-digest")
    page.get_by_role("button", name="Ingest").click()
    steps = set()
    for _ in range(1200):  # what the progress bar says while it runs, every 0.1 s
        bar = page.locator("[data-testid=stProgress]")
        if bar.count():
            steps.add(bar.first.inner_text().strip())
        if page.get_by_text(re.compile(r"^Done: 1 paper added")).count():
            break
        page.wait_for_timeout(100)
    settle(page)
    assert page.get_by_text(re.compile(r"^Done: 1 paper added, 0 updated, 0 problems\.$")).is_visible()
    assert any(re.fullmatch(r"(Loading the embedding model.*|Embedding texts: \d+/\d+|Updating the search index) · \d+ s",
                            s) for s in steps), steps
    shot(page, "06-ingest-xss")

    page.goto(base + f"/paper?lang=en&id={paper_key(XSS_TITLE)}")
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

    page.goto(base + "/?lang=en&q=Evil&mode=keyword")
    settle(page)
    page.get_by_role("link", name=XSS_TITLE).wait_for()
    shot(page, "09-xss-search")
    assert page.locator("img[src=x]").count() == 0
    assert page.dialogs == [], "no script from library text ran"


def test_links_are_never_clipped(server, page):
    """A long title wraps instead of being cut off mid-word at the edge of its column."""
    base, _ = server
    page.goto(base + "/paper?id=d95d0c67138d1430&lang=en")
    settle(page)
    clipped = page.evaluate("""() => [...document.querySelectorAll("[data-testid=stMain] [data-testid=stPageLink-NavLink] span")]
        .filter((s) => s.scrollWidth > s.clientWidth + 1).map((s) => s.innerText)""")
    assert clipped == []


def test_a_merge_on_the_corrections_page(server, page):
    """Last: it writes the module's library. Two namesakes merged through the page's buttons,
    with a progress line and a confirmation, then listed among the corrections made."""
    base, home = server
    from paperkg.graph.config import load_settings
    from paperkg.services import entities

    page.goto(base + "/corrections?lang=en&name=Y+Li")
    settle(page)
    shot(page, "15-corrections-people")
    page.get_by_role("button", name="Merge these 2").click()
    page.get_by_text(re.compile(r"^Merged ")).wait_for(timeout=TIMEOUT_MS)
    settle(page)
    shot(page, "16-corrections-merged")
    assert page.get_by_role("combobox", name="Written name").input_value() == "Y Li (2 people)", "counts are fresh"
    made = entities.corrections(load_settings(home=str(home), environ={}))
    assert [(o.op, o.kind) for o in made] == [("merge", "author")]
    for lang in ("en", "zh"):
        page.goto(base + f"/corrections?lang={lang}&view=made")
        settle(page)
        assert page.locator("[data-testid=stMain] [data-testid=stDataFrame]").count() == 1
        shot(page, f"17-corrections-made-{lang}")
