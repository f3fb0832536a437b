"""The app's pure parts: escaping library text for Markdown, what the network component
is given, trimming big networks, cutting and marking text, months without papers, links,
the word table of interface strings, and an unreadable library as one clear message."""
from __future__ import annotations

import html
import re

from tests.app_helpers import APP
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from paperkg.graph.model import Edge, Subgraph
from paperkg.ui.graph_view import drawing, top_nodes
from paperkg.ui.safe import WORD_JOINER, md, md_link, safe_url

COMMONMARK = MarkdownIt("commonmark")
TRICKS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))", "**b**", "_i_",
          "`code`", "$x^2$", ":red[r]", ":material/home:", "# head", "> quote", "- item", "1. item", "&lt;", "\\*",
          "![i](http://x/i.png)", "<https://x.org>", "~~s~~", "|a|b|", "---"]


def rendered_text(markdown: str) -> tuple[str, str]:
    """The HTML CommonMark makes of ``markdown`` (inline), and its text with tags removed."""
    out = COMMONMARK.renderInline(markdown)
    return out, html.unescape(re.sub(r"<[^>]*>", "", out))


@given(st.lists(st.one_of(st.sampled_from(TRICKS), st.text(max_size=12)), max_size=6).map("".join))
def test_escaped_text_renders_as_exactly_itself(text):
    out, visible = rendered_text(md(text))
    assert "<" not in re.sub(r"&lt;", "", out), f"markup in {out!r}"
    # word joiners (invisible) break Streamlit's autolinks: see tests/test_hardening_output.py
    assert visible.replace(WORD_JOINER, "") == " ".join(re.sub(r"[\x00-\x08\x0e-\x1f\x7f]", "", text).split())


def test_streamlit_extensions_are_escaped_too():
    escaped = md("$x$ :red[r] :material/home:")
    assert "\\$" in escaped and "\\:red\\[" in escaped and "\\:material/home\\:" in escaped.replace("\\/", "/")


def test_only_http_links_become_links():
    assert safe_url("https://weibo.com/1402400261/K5tUA2l2c") == "https://weibo.com/1402400261/K5tUA2l2c"
    for bad in ("javascript:alert(1)", "data:text/html,x", "https://x.org/a)b", "//x.org", "https://x.org/<b>", ""):
        assert safe_url(bad) is None
    assert md_link("post", "javascript:alert(1)") == "post"
    out, visible = rendered_text(md_link("原帖 [1]", "https://weibo.com/1/K5"))
    assert out == '<a href="https://weibo.com/1/K5">原帖 [1]</a>' and visible == "原帖 [1]"


def sample_network() -> Subgraph:
    nodes = {f"institution:{name}": {"kind": "institution", "name": name}
             for name in ("Evil <img src=x onerror=1>", "A", "B", "C", "D")}
    ids = list(nodes)
    edges = [Edge(ids[0], ids[1], "INSTITUTION_LINK", {"weight": 5}), Edge(ids[1], ids[2], "INSTITUTION_LINK", {"weight": 1}),
             Edge(ids[2], ids[3], "INSTITUTION_LINK", {"weight": 2}), Edge(ids[3], ids[4], "INSTITUTION_LINK", {"weight": 1})]
    return Subgraph(nodes=nodes, edges=edges)


def test_network_component_gets_names_only_as_text_and_layout_positions():
    """The component writes ``label`` and ``full`` with textContent; nothing else it gets is library text,
    and no node id reaches it (a click comes back as an index)."""
    from paperkg.graph.layout import KIND_COLOURS, layout, node_sizes

    sub = sample_network()
    data, ids = drawing(sub, focus="institution:A")
    assert ids == list(sub.nodes)
    for node, node_id in zip(data["nodes"], ids):
        assert set(node) == {"x", "y", "r", "colour", "label", "full", "focus"}
        assert (node["x"], node["y"]) == layout(sub)[node_id], "the app draws the positions the exports carry"
        assert node["r"] == node_sizes(sub)[node_id] / 2 and node["colour"] == KIND_COLOURS["institution"]
    assert data["nodes"][0]["full"] == "Evil <img src=x onerror=1>"
    assert [n["focus"] for n in data["nodes"]] == [0, 1, 0, 0, 0]
    assert [e[:2] for e in data["edges"]] == [[0, 1], [1, 2], [2, 3], [3, 4]]
    widths = [e[2] for e in data["edges"]]
    assert widths[0] == max(widths) and widths[1] == widths[3] == min(widths), "edge width follows the weight"
    assert [e[3] for e in data["edges"]] == [1, 1, 0, 0], "the focus's own edges are marked"
    long = Subgraph(nodes={"author:x": {"kind": "author", "name": "Someone With A Very Long Name Indeed Yes"}}, edges=[])
    label = drawing(long)[0]["nodes"][0]["label"]
    assert label == "Someone With A Very Long…" and len(label) <= 28


def test_big_networks_keep_the_most_connected_and_the_focus():
    trimmed = top_nodes(sample_network(), 2, keep=("institution:D",))
    assert set(trimmed.nodes) == {"institution:D", "institution:A"}
    assert trimmed.edges == []
    assert top_nodes(sample_network(), 10) == sample_network()


def test_unreadable_library_is_one_clear_message(tmp_path, monkeypatch):
    home = tmp_path / "lib"
    home.mkdir()
    (home / "library.sqlite").write_bytes(b"this is not a database" * 100)
    monkeypatch.setenv("PAPERKG_HOME", str(home))
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        f"Cannot open the library: {md(str(home / 'library.sqlite'))}\\: not a readable paperkg library "
        "\\(file is not a database\\)\\; move it aside or choose another \\-\\-home"]


def test_cut_stops_at_a_word_with_an_ellipsis():
    from paperkg.ui.display import cut

    title = "Switch Transformers: Scaling to Trillion Parameter Models with Simple and Efficient Sparsity"
    assert cut(title, 60) == "Switch Transformers: Scaling to Trillion Parameter Models…"
    assert cut(title, 200) == title
    assert cut("用于图像生成的扩散模型在很多任务上效果很好", 8) == "用于图像生成的…"


@given(st.text(max_size=40), st.sampled_from(["diffusion models", "扩散模型", "GAN 训练", "a b"]))
def test_marked_text_renders_as_itself_with_only_bold_added(text, query):
    from paperkg.ui.display import highlighted

    out, visible = rendered_text(highlighted(text, query))
    assert re.sub(r"</?strong>", "", re.sub(r"&lt;", "", out)).count("<") == 0, out
    assert visible.replace(WORD_JOINER, "") == " ".join(re.sub(r"[\x00-\x08\x0e-\x1f\x7f]", "", text).split())


def test_the_query_words_are_marked():
    from paperkg.ui.display import highlighted

    out, _ = rendered_text(highlighted("Denoising Diffusion Probabilistic Models", "diffusion model"))
    assert out == "Denoising <strong>Diffusion</strong> Probabilistic <strong>Models</strong>"
    out, _ = rendered_text(highlighted("证明了扩散模型可以实现优于GAN的图像质量。", "扩散模型 图像"))
    assert out == "证明了<strong>扩散模型</strong>可以实现优于GAN的<strong>图像</strong>质量。"


def test_monthly_counts_have_every_month():
    from paperkg.ui.tables import monthly_frame, months

    assert months("2021-11", "2022-02") == ["2021-11", "2021-12", "2022-01", "2022-02"]
    frame = monthly_frame({("2021-03", ""): 2, ("2021-05", ""): 1}, "group")
    assert frame["month"].tolist() == ["2021-03", "2021-04", "2021-05"] and frame["papers"].tolist() == [2, 0, 1]
    stacked = monthly_frame({("2021-07", "LG"): 1, ("2021-11", "CV"): 3}, "category")
    assert len(stacked) == 5 * 2 and stacked["papers"].sum() == 4


def test_links_open_each_kind_of_node():
    from paperkg.ui import nav

    assert nav.target("paper:ce2c4ed944ee76bc") == (nav.PAPER, {"id": "ce2c4ed944ee76bc"})
    assert nav.target("author:Y Li~3fa1c2") == (nav.AUTHOR, {"id": "Y Li~3fa1c2"})
    assert nav.target("institution:uc-berkeley") == (nav.INSTITUTION, {"id": "uc-berkeley"})
    assert nav.target("category:LG") == (nav.PAPER, {"category": "LG"}), "a category opens its papers, no query"
    assert nav.target("digest:x") is None


def test_ror_links_only_for_ror_ids():
    from paperkg.ui.app_pages.institution import ror_url

    assert ror_url("01an7q238") == "https://ror.org/01an7q238"
    for bad in (None, "", "01an7q23", "javascript:alert(1)", "01an7q238/../x", "0ILOU7q23"):
        assert ror_url(bad) is None


def test_every_string_has_both_languages_and_counts_agree():
    from paperkg.ui.i18n import STRINGS, translate

    for key, (zh, en) in STRINGS.items():
        assert zh and en, key
        assert set(re.findall(r"{(\w+)}", zh)) == set(re.findall(r"{(\w+)}", en.split("|")[0])), key
    assert translate("n_problems", "en", n=1) == "1 problem" and translate("n_problems", "en", n=2) == "2 problems"
    assert translate("n_papers", "en", n=1) == "1 paper" and translate("n_papers", "zh", n=1) == "1 篇论文"
    assert "摘要" not in STRINGS["digests"][0] and STRINGS["digests"][0] == "日报", "digests are not summaries"


def _write_refused_by_the_disk():
    import errno

    import streamlit as st

    from paperkg.ui.writing import run_write

    def write(wait, progress):
        progress("ingesting", 0, 1)
        raise OSError(errno.ENOSPC, "No space left on device", "/lib/library.sqlite")
    st.session_state["result"] = run_write("Writing", write)


def test_a_write_the_disk_refuses_is_one_clear_message_and_no_bar_stays():
    at = AppTest.from_function(_write_refused_by_the_disk, default_timeout=30).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [e.value for e in at.error] == [
        "Not done, the library is unchanged: " + md("/lib/library.sqlite: the disk is full; free some space and run "
                                                    "the command again")]
    assert not at.get("progress"), "the progress bar is gone"
    assert at.session_state["result"] is None
