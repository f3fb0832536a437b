"""The Streamlit app through ``streamlit.testing.v1.AppTest``: every page on the sample
library and on an empty one, search in Chinese and English with how well each result
matches, filters and their typos, deep links, language, the export selections, and
untrusted text kept as text. The library, model and index are real."""
from __future__ import annotations

import re
from urllib.parse import parse_qs

import pytest
from tests.app_helpers import XSS_DIGEST, XSS_TITLE, build_library, run_page, sample_entry, shared_library
from streamlit.testing.v1 import AppTest

from paperkg.graph.model import KINDS
from paperkg.ui.safe import md

pytestmark = pytest.mark.model

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
    ("export", {"seeds": "institution:google"}),
    ("ingest", {}),
    ("paper", {}),  # the lists
    ("institution", {}),
    ("author", {}),
    ("corrections", {}),
]


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    return shared_library(tmp_path_factory)


@pytest.fixture
def open_page(monkeypatch):
    """Run the app on ``page`` (as a deep link: page and query parameters) for ``home``."""
    def run(home, page: str = "search", **params) -> AppTest:
        return run_page(monkeypatch, home, page, **params)
    return run


def texts(at: AppTest, kind: str) -> list[str]:
    return [str(e.value) for e in at.get(kind)]


def paper_links(at: AppTest) -> list[str]:
    """Paper ids the page links to, in page order."""
    found = []
    for link in at.get("page_link"):
        if link.proto.page == "paper" and "id" in parse_qs(link.proto.query_string):
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
    if page in ("search", "overview", "export", "corrections") or (page in ("institution", "author") and not params):
        assert any("library is empty" in text for text in texts(at, "info"))
        assert any(link.proto.page == "ingest" for link in at.get("page_link")), "points to the Ingest page"


def test_chinese_query_finds_the_paper(library, open_page):
    expected = sample_entry(ATTENTION)
    at = open_page(library, q="注意力 秩 坍缩 跳接", mode="semantic")
    assert not at.get("warning"), texts(at, "warning")
    assert paper_links(at)[0] == expected["id"]
    assert md(expected["title_zh"]) in [m.replace("**", "") for m in texts(at, "markdown")], \
        "the Chinese title is shown with the result (its query words in bold)"


def test_english_query_finds_the_paper(library, open_page):
    expected = sample_entry(SEER)
    at = open_page(library, q="reinforcement learning that stores embeddings to save memory")
    assert paper_links(at)[0] == expected["id"]
    captions = " ".join(texts(at, "caption"))
    assert md(expected["authors"][0]) in captions and md(expected["institutions"][0]) in captions


def facts(at: AppTest) -> list[str]:
    """Each result's line of facts: how well it matches, category, date, relevance."""
    return [m for m in texts(at, "markdown") if "-badge[" in m]


def test_results_show_match_category_date_and_snippet(library, open_page):
    at = open_page(library, q="robot", mode="keyword")
    assert paper_links(at)
    assert facts(at) and all(re.search(r"\b(LG|CV|RO|AI|CL|SD|AS|IR) · 2021-\d\d-\d\d · relevance [01]\.\d\d$",
                                       f.replace("\\", "")) for f in facts(at)), facts(at)
    assert any("**robot" in m.lower() for m in texts(at, "markdown")), "the query's word is marked in the snippet"


def test_filters_narrow_results(library, open_page):
    unfiltered = paper_links(open_page(library, q="learning", mode="keyword"))
    narrowed_at = open_page(library, q="learning", mode="keyword", category="CV")
    narrowed = paper_links(narrowed_at)
    assert narrowed and len(narrowed) < len(unfiltered)
    assert set(narrowed) < set(unfiltered) | set(narrowed)
    shown = facts(narrowed_at)
    assert shown and all(" · CV · " in f for f in shown)
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
    author_links = [parse_qs(l.proto.query_string)["id"][0] for l in at.get("page_link") if l.proto.page == "author"]
    assert author_links[: len(expected["authors"])] == expected["authors"]  # each one person, keyed by the name
    institution_links = [parse_qs(l.proto.query_string)["id"][0] for l in at.get("page_link")
                         if l.proto.page == "institution"]
    assert institution_links == ["google", "epfl"] == [{"Google": "google", "EPFL": "epfl"}[i]
                                                       for i in expected["institutions"]]
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
    assert any(l.proto.page == "institution" and "id=google" in l.proto.query_string for l in at.get("page_link"))
    at = open_page(library, "paper", id="ffffffffffffffff")
    assert any("no paper with id" in w for w in texts(at, "warning"))


def test_search_deep_link_keeps_query_and_mode(library, open_page):
    at = open_page(library, q="speech", mode="keyword", lang="zh")
    assert at.text_input(key="q").value == "speech"
    assert at.session_state["mode.zh"] == "keyword"
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

    at = open_page(library, "export", seeds="institution:google", hops="2")
    assert any("nodes" in m and "edges" in m for m in texts(at, "markdown"))
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == [f"Download {name}" for name in FORMATS]
    fewer = open_page(library, "export", seeds="institution:google", hops="2", kinds=["institution", "paper"])
    size = lambda at: next(m for m in texts(at, "markdown") if "nodes" in m)  # noqa: E731
    assert size(fewer) != size(at)


def test_export_rejects_unknown_kinds_in_the_url(library, open_page):
    at = open_page(library, "export", seeds="institution:google", kinds=["paper", "bogus"])
    assert at.session_state["kinds.en"] == ["paper"]
    assert set(at.session_state["kinds.en"]) <= set(KINDS)


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
    seeds = at.button_group(key="seeds.en")
    assert "institution · EPFL" in seeds.options, "typing part of a name offers it, labelled with its kind"
    seeds.set_value(["institution:epfl"]).run()
    assert not at.exception
    assert any(m.startswith("**") and "nodes" in m for m in texts(at, "markdown"))
    assert at.query_params.get("seeds") in ("institution:epfl", ["institution:epfl"])


#: A title that Markdown would draw as an image and a link.
PILL_TITLE = "![](https://x/p) [click](http://e) :red[red] `code`"
PILL_DIGEST = f"""LG - 机器学习 (*表示值得重点关注)

1、[LG] {PILL_TITLE}

A Author
[Some Lab]
一篇标题带有链接的论文。一段中文摘要。 An English abstract about links in titles. https://weibo.com/1402400261/K5u2mypvD
"""


def test_seed_pills_show_titles_as_text(tmp_path, open_page):
    """st.pills renders its labels as Markdown: a title becomes no image, link or directive."""
    from markdown_it import MarkdownIt

    digest = tmp_path / "pills.txt"
    digest.write_text(PILL_DIGEST, encoding="utf-8")
    home = build_library(tmp_path / "lib", [digest], index=False)
    at = open_page(home, "export", lang="en")
    at.text_input(key="seed_text").input("click").run()
    [label] = [o for o in at.button_group(key="seeds.en").options if o.startswith("paper · ")]
    assert label == "paper · " + md(PILL_TITLE)
    rendered = MarkdownIt("commonmark").renderInline(label)
    assert "<img" not in rendered and "<a " not in rendered and "<code>" not in rendered, rendered
    assert ":red[" not in label, "the Streamlit directive stays escaped"


# -- how well results match ----------------------------------------------------------------------
DIFFUSION = {"Denoising Diffusion Probabilistic Models", "Denoising Diffusion Implicit Models",
             "Improved Denoising Diffusion Probabilistic Models", "Diffusion Models Beat GANs on Image Synthesis",
             "DiffWave: A Versatile Diffusion Model for Audio Synthesis"}
#: The sample library's reinforcement-learning papers (强化学习 in their Chinese text).
RL_PAPERS = {"Conservative Q-Learning for Offline Reinforcement Learning",
             "Decision Transformer: Reinforcement Learning via Sequence Modeling",
             "Improving Computational Efficiency in Visual Reinforcement Learning via Stored Embeddings",
             "CURL: Contrastive Unsupervised Representations for Reinforcement Learning"}


def shown_titles(at: AppTest, folded: bool | None = None) -> list[str]:
    """Result titles in page order; ``folded``: only those inside (True) or outside (False) the weak fold."""
    inside = [l.proto.label for e in at.expander for l in e.get("page_link") if l.proto.page == "paper"]
    outside = [l.proto.label for l in at.main.get("page_link") if l.proto.page == "paper" and l.proto.label not in inside]
    chosen = inside if folded else outside if folded is False else outside + inside
    return [label.replace("\\", "") for label in chosen]


def test_strong_matches_first_weak_ones_folded(library, open_page):
    at = open_page(library, q="扩散模型")
    assert DIFFUSION & set(shown_titles(at, folded=False)), "diffusion papers are shown as good matches"
    assert not {"BEIR: A Heterogenous Benchmark for Zero-shot Evaluation of Information Retrieval Models",
                "Mastering Atari, Go, Chess and Shogi by Planning with a Learned Model"} & set(shown_titles(at, folded=False))
    assert at.expander and any("Weak matches" in e.label for e in at.expander), "weak matches are folded"
    assert any("strong" in c and "weak match" in c for c in texts(at, "caption"))


def test_a_topic_the_library_lacks_is_no_good_match(library, open_page):
    at = open_page(library, q="蛋白质结构预测")
    assert any("matches “蛋白质结构预测” well" in i for i in texts(at, "info"))
    assert not shown_titles(at, folded=False) and shown_titles(at, folded=True), "all results are folded away"
    assert not [b for b in at.button if b.key == "more"], 'no "show more" of weak matches'


def test_chinese_keywords_respect_word_boundaries(library, open_page):
    """量子化学 (quantum chemistry) shares the bigram 化学 with 强化学习 (reinforcement learning) only across
    its two words: keyword search must not bring the library's RL papers."""
    at = open_page(library, q="量子化学", mode="keyword")
    assert not RL_PAPERS & set(shown_titles(at)), shown_titles(at)
    rl = open_page(library, q="强化学习", mode="keyword")
    assert RL_PAPERS <= set(shown_titles(rl)), "the words themselves still find their papers"


def test_snippets_never_only_repeat_a_title(library, open_page):
    at = open_page(library, q="注意力")
    deberta = md(sample_entry("DeBERTa: Decoding-enhanced BERT with Disentangled Attention")["title_zh"])
    shown = [m for m in texts(at, "markdown") if m.replace("**", "") == deberta]
    assert len(shown) == 1, "a title-only paper's Chinese title is shown once, not again as its snippet"
    assert any("Title only" in c for c in texts(at, "caption")), "and it says it has no summary"


# -- filters ------------------------------------------------------------------------------------------
def test_filter_typos_say_so_with_close_names(library, open_page):
    at = open_page(library, q="diffusion", institution="Googel")
    hints = [c for c in at.sidebar.caption.values if "Googel" in c]
    assert hints and "Did you mean" in hints[0] and "Google" in hints[0]
    assert any("Fix the filters" in w for w in texts(at, "warning")) and not paper_links(at)
    author = open_page(library, "paper", author="Y Dongg")
    assert any("Y Dong" in c for c in author.sidebar.caption.values if "Dongg" in c)


def test_a_start_after_the_end_says_so(library, open_page):
    at = open_page(library, since="2021-07-01", until="2021-03-31")
    assert any("after Until" in c for c in at.sidebar.caption.values)
    bad = open_page(library, since="2021-13-01")
    assert any("is not a date" in c for c in bad.sidebar.caption.values)
    ok = open_page(library, since="2021-06")  # the CLI's YYYY-MM
    assert not ok.warning and paper_links(ok)


def test_an_author_name_several_people_share_says_so(library, open_page):
    at = open_page(library, "paper", author="Y Li")
    assert any("names 3 people" in c for c in at.sidebar.caption.values)


# -- both languages -------------------------------------------------------------------------------------
def test_switching_to_chinese_changes_every_label(library, open_page):
    at = open_page(library, "paper", lang="en")
    assert at.selectbox(key="category.en").options[0] == "Any"
    at.selectbox(key="lang").set_value("zh").run()
    assert at.selectbox(key="category.zh").options[0] == "全部", "the category box follows the language"
    assert at.dataframe[0].value.columns.tolist() == ["发布日期", "类别", "英文标题", "中文标题", "作者"]
    assert [b.proto.label for b in at.sidebar.get("text_input")] == ["机构", "作者", "起始日期", "截止日期"]
    overview = open_page(library, "overview", lang="zh")
    assert {m.label for m in overview.metric} >= {"日报", "论文", "机构"} and "摘要" not in {m.label for m in overview.metric}


# -- export -------------------------------------------------------------------------------------------------
def test_export_offers_the_cli_selections_named_after_them(library, open_page):
    around = open_page(library, "export", seeds="institution:uc-berkeley", hops="2")
    assert [b.proto.label for b in around.get("download_button")][0] == "Download graphml"
    query = open_page(library, "export", select="query", q="注意力 秩 坍缩", k="5")
    links = open_page(library, "export", select="links", min_weight="2")
    coauthors = open_page(library, "export", select="coauthors", seeds="author:Y Dong")
    size = lambda at: next(m for m in texts(at, "markdown") if "nodes" in m)  # noqa: E731
    assert len({size(a) for a in (around, query, links, coauthors)}) == 4, "four different selections"
    from paperkg.ui.app_pages.export import file_stem

    assert file_stem(None, ("around", ("institution:uc-berkeley",), 2, (), None, 10, "hybrid", 1)) == "uc-berkeley-2hop"
    assert file_stem(None, ("links", (), 1, (), None, 10, "hybrid", 2)) == "institution-links-min2"
    assert file_stem(None, ("query", (), 1, (), "注意力 秩", 10, "hybrid", 1)) == "search-注意力-秩"


def test_search_links_to_exporting_its_results(library, open_page):
    at = open_page(library, q="diffusion", mode="keyword", category="LG")
    link = next(l for l in at.get("page_link") if l.proto.page == "export")
    params = parse_qs(link.proto.query_string)
    assert params["select"] == ["query"] and params["q"] == ["diffusion"] and params["mode"] == ["keyword"]
    assert params["category"] == ["LG"] and params["k"] == [str(len(paper_links(at)))]


def test_related_titles_are_cut_at_a_word_with_the_full_title_on_hover(library, open_page):
    at = open_page(library, "paper", id=sample_entry("Denoising Diffusion Probabilistic Models")["id"])
    related = [l for l in at.get("page_link") if l.proto.page == "paper" and " · " in l.proto.label]
    assert related
    for link in related:
        shown = link.proto.label.split(" · ", 1)[1].replace("\\", "")
        full = link.proto.help.replace("\\", "")
        assert shown == full or (shown.endswith("…") and full.startswith(shown[:-1])
                                 and full[len(shown) - 1] in " ,;:-"), (shown, full)
