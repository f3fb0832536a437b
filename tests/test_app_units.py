"""The app's pure parts: escaping library text for Markdown, what the network component
is given, trimming big networks, and an unreadable library as one clear message."""
from __future__ import annotations

import html
import re

from tests.app_helpers import APP
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from paperkg.graph.model import Edge, Subgraph
from paperkg.ui.graph_view import elements, top_nodes
from paperkg.ui.safe import md, md_link, safe_url

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
    assert visible == " ".join(re.sub(r"[\x00-\x08\x0e-\x1f\x7f]", "", text).split())


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


def test_network_component_gets_names_only_as_labels():
    """The component writes every data field but ``label`` into its panel as HTML."""
    data, ids = elements(sample_network(), focus="institution:A")
    for element in data["nodes"] + data["edges"]:
        for key, value in element["data"].items():
            if key != "label":
                assert isinstance(value, int) or re.fullmatch(r"[a-z_A-Z0-9]+", value), (key, value)
    assert data["nodes"][0]["data"]["label"] == "Evil <img src=x onerror=1>"
    assert ids[int(data["edges"][0]["data"]["source"][1:])] == "institution:Evil <img src=x onerror=1>"
    assert [e["data"]["weight"] for e in data["edges"]] == [5, 1, 2, 1]
    assert [n["data"]["focus"] for n in data["nodes"]] == [0, 1, 0, 0, 0]


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
