"""The Streamlit app through ``streamlit.testing.v1.AppTest``: every page on the sample
library and on an empty one, search in Chinese and English, filters, deep links,
language, and untrusted text kept as text. The library, model and index are real."""
from __future__ import annotations

import re
from urllib.parse import parse_qs

import pytest
from tests.app_helpers import APP, XSS_DIGEST, XSS_TITLE, build_library, sample_entry, shared_library
from streamlit.testing.v1 import AppTest

from paperkg.graph.model import KINDS
from paperkg.ui.safe import md

ATTENTION = "Attention is Not All You Need: Pure Attention Loses Rank Doubly Exponentially with Depth"
SEER = "Improving Computational Efficiency in Visual Reinforcement Learning via Stored Embeddings"

#: Every page with the parameters a shared link would carry.
PAGES = [
    ("search", {}),
    ("search", {"q": "注意力"}),
    ("paper", {"id": None}),  # filled with the Attention paper's id
    ("institution", {"name": "Google"}),
    ("author", {"name": "Y Dong"}),
    ("overview", {}),
    ("export", {"seeds": "institution:Google"}),
    ("ingest", {}),
]


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    return shared_library(tmp_path_factory)


@pytest.fixture
def open_page(monkeypatch):
    """Run the app on ``page`` (as a deep link: page and query parameters) for ``home``."""
    def run(home, page: str = "search", **params) -> AppTest:
        monkeypatch.setenv("PAPERKG_HOME", str(home))
        for name in ("PAPERKG_BACKEND", "PAPERKG_MODEL", "PAPERKG_CONFIG"):
            monkeypatch.delenv(name, raising=False)
        at = AppTest.from_file(str(APP), default_timeout=180)
        for key, value in params.items():
            at.query_params[key] = value
        at.run()  # the entry script first, as a browser opening the URL does; then the page
        if page != "search":
            at.switch_page(f"app_pages/{page}.py")
            at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at
    return run


def texts(at: AppTest, kind: str) -> list[str]:
    return [str(e.value) for e in at.get(kind)]


def paper_links(at: AppTest) -> list[str]:
    """Paper ids the page links to, in page order."""
    found = []
    for link in at.get("page_link"):
        if link.proto.page == "paper":
            found.append(parse_qs(link.proto.query_string)["id"][0])
    return found


@pytest.mark.parametrize("page,params", PAGES, ids=[f"{p}-{'-'.join(q) or 'plain'}" for p, q in PAGES])
def test_every_page_renders_on_the_sample_library(library, open_page, page, params):
    if page == "paper":
        params = {"id": sample_entry(ATTENTION)["id"]}
    at = open_page(library, page, **params)
    assert texts(at, "title"), "every page has a title"
    assert not at.get("error")
    assert not any("empty" in w.lower() for w in texts(at, "info"))


@pytest.mark.parametrize("page,params", PAGES, ids=[f"{p}-{'-'.join(q) or 'plain'}" for p, q in PAGES])
def test_every_page_renders_on_an_empty_library(tmp_path, open_page, page, params):
    params = {"id": "0123456789abcdef"} if page == "paper" else params
    at = open_page(tmp_path / "empty", page, **params)
    assert not at.get("error")
    if page in ("search", "overview", "export"):
        assert any("library is empty" in text for text in texts(at, "info"))
        assert any(link.proto.page == "ingest" for link in at.get("page_link")), "points to the Ingest page"


def test_chinese_query_finds_the_paper(library, open_page):
    expected = sample_entry(ATTENTION)
    at = open_page(library, q="注意力 秩 坍缩 跳接", mode="semantic")
    assert not at.get("warning"), texts(at, "warning")
    assert paper_links(at)[0] == expected["id"]
    assert md(expected["title_zh"]) in texts(at, "markdown"), "the Chinese title is shown with the result"


def test_english_query_finds_the_paper(library, open_page):
    expected = sample_entry(SEER)
    at = open_page(library, q="reinforcement learning that stores embeddings to save memory")
    assert paper_links(at)[0] == expected["id"]
    captions = " ".join(texts(at, "caption"))
    assert md(expected["authors"][0]) in captions and md(expected["institutions"][0]) in captions


def test_results_show_score_category_date_and_snippet(library, open_page):
    at = open_page(library, q="robot", mode="keyword")
    assert paper_links(at)
    captions = texts(at, "caption")
    assert any("Score" in c and "·" in c for c in captions)
    assert texts(at, "text"), "each result has a snippet"


def test_filters_narrow_results(library, open_page):
    unfiltered = paper_links(open_page(library, q="learning", mode="keyword"))
    narrowed_at = open_page(library, q="learning", mode="keyword", category="CV")
    narrowed = paper_links(narrowed_at)
    assert narrowed and len(narrowed) < len(unfiltered)
    assert set(narrowed) < set(unfiltered) | set(narrowed)
    facts = [c for c in texts(narrowed_at, "caption") if "Score" in c]
    assert facts and all(c.startswith("CV") for c in facts)
    by_institution = paper_links(open_page(library, q="learning", mode="keyword", institution="Google"))
    assert by_institution and len(by_institution) < len(unfiltered)


def test_filters_narrow_the_listing_without_a_query(library, open_page):
    everything = open_page(library)
    since = open_page(library, category="CV", since="2021-07-01")
    count = lambda at: int(next(c for c in texts(at, "caption") if "papers found" in c).split()[0])  # noqa: E731
    assert 0 < count(since) < count(everything)


def test_deep_link_opens_the_paper(library, open_page):
    expected = sample_entry(ATTENTION)
    at = open_page(library, "paper", id=expected["id"])
    assert texts(at, "title") == [md(expected["title"])]
    assert md(expected["title_zh"]) in texts(at, "subheader")
    author_links = [parse_qs(l.proto.query_string)["name"][0] for l in at.get("page_link") if l.proto.page == "author"]
    assert author_links[: len(expected["authors"])] == expected["authors"]
    institution_links = [parse_qs(l.proto.query_string)["name"][0] for l in at.get("page_link")
                         if l.proto.page == "institution"]
    assert institution_links == expected["institutions"]
    assert paper_links(at), "related papers link to their pages"
    assert expected["id"] not in paper_links(at), "a paper is not related to itself"


def test_deep_link_opens_the_institution(library, open_page):
    at = open_page(library, "institution", name="EPFL")
    assert texts(at, "title") == ["EPFL"]
    tables = at.dataframe
    partners = tables[0].value
    assert "Google" in set(partners.iloc[:, 0]), "EPFL's partner (Attention paper) is listed"


def test_deep_link_opens_the_author(library, open_page):
    at = open_page(library, "author", name="Y Dong")
    assert texts(at, "title") == ["Y Dong"]
    coauthors = at.dataframe[0].value
    assert {"J Cordonnier", "A Loukas"} <= set(coauthors.iloc[:, 0])


def test_unknown_names_say_so_and_suggest(library, open_page):
    at = open_page(library, "institution", name="Gogle")
    assert any("no institution named" in w for w in texts(at, "warning"))
    assert any(l.proto.page == "institution" and "Google" in l.proto.query_string for l in at.get("page_link"))
    at = open_page(library, "paper", id="ffffffffffffffff")
    assert any("no paper with id" in w for w in texts(at, "warning"))


def test_search_deep_link_keeps_query_and_mode(library, open_page):
    at = open_page(library, q="speech", mode="keyword", lang="zh")
    assert at.text_input(key="q").value == "speech"
    assert at.session_state["mode"] == "keyword"
    assert texts(at, "title") == ["论文知识图谱"]


def test_interface_language_switches(library, open_page):
    english = open_page(library, "overview", lang="en")
    chinese = open_page(library, "overview", lang="zh")
    assert texts(english, "title") == ["Overview"] and texts(chinese, "title") == ["概览"]
    page = open_page(library, "institution", name="Google", lang="zh")
    assert "合作机构" in texts(page, "subheader")
    page.selectbox(key="lang").set_value("en").run()
    assert "Partner institutions" in texts(page, "subheader") and texts(page, "title") == ["Google"]


def test_overview_shows_counts_and_most_connected(library, open_page):
    at = open_page(library, "overview")
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["Papers"]) > 0 and int(metrics["Institutions"]) > 0
    connected = at.dataframe[0].value
    assert len(connected) > 0 and (connected.iloc[:, 1] >= 1).all()
    narrowed = open_page(library, "overview", min_weight="2")
    assert len(narrowed.dataframe[0].value) < len(connected)


def test_export_offers_every_format(library, open_page):
    from paperkg.graph.export import FORMATS

    at = open_page(library, "export", seeds="institution:Google", hops="2")
    assert any("nodes" in m and "edges" in m for m in texts(at, "markdown"))
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == [f"Download {name}" for name in FORMATS]
    fewer = open_page(library, "export", seeds="institution:Google", hops="2", kinds=["institution", "paper"])
    size = lambda at: next(m for m in texts(at, "markdown") if "nodes" in m)  # noqa: E731
    assert size(fewer) != size(at)


def test_export_rejects_unknown_kinds_in_the_url(library, open_page):
    at = open_page(library, "export", seeds="institution:Google", kinds=["paper", "bogus"])
    assert at.session_state["kinds"] == ["paper"]
    assert set(at.session_state["kinds"]) <= set(KINDS)


def test_untrusted_text_renders_as_text(tmp_path, open_page):
    from paperkg.graph.model import paper_key

    digest = tmp_path / "xss.txt"
    digest.write_text(XSS_DIGEST, encoding="utf-8")
    home = build_library(tmp_path / "lib", [digest], index=False)
    key = paper_key(XSS_TITLE)
    for page, params in (("paper", {"id": key}), ("search", {}), ("author", {"name": "B <b>Bold</b>"}),
                         ("institution", {"name": "Evil <i>Corp</i>"})):
        at = open_page(home, page, **params)
        markdown_bodies = [str(e.value) for kind in ("title", "subheader", "markdown", "caption", "warning", "info")
                           for e in at.get(kind)] + [l.proto.label for l in at.get("page_link")]
        for body in markdown_bodies:
            assert not re.search(r"(?<!\\)[<>]", body), f"{page}: unescaped HTML in {body!r}"
            for raw in ("](javascript", "**bold**", "$x^2$", ":red["):
                assert raw not in body, f"{page}: unescaped {raw!r} in {body!r}"
        assert all(not e.proto.allow_html for e in at.get("markdown")), "no element may allow HTML"
    paper = open_page(home, "paper", id=key)
    assert texts(paper, "title") == [md(XSS_TITLE)]
    assert any("<img src=x onerror=alert(5)>" in t for t in texts(paper, "text")), "summary shown verbatim as text"


def test_export_seeds_are_found_by_typing(library, open_page):
    at = open_page(library, "export")
    assert any("Choose at least one seed" in i for i in texts(at, "info"))
    at.text_input(key="seed_text").input("epf").run()
    seeds = at.multiselect(key="seeds")
    assert "institution · EPFL" in seeds.options, "typing part of a name offers it, labelled with its kind"
    seeds.select("institution:EPFL").run()
    assert not at.exception
    assert any(m.startswith("**") and "nodes" in m for m in texts(at, "markdown"))
    assert at.query_params.get("seeds") in ("institution:EPFL", ["institution:EPFL"])
