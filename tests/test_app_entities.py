"""The app's entity pages through AppTest: the Paper, Institution and Author lists, a table
row opening its page, an institution with its sub-units, registry facts and parent, an
author's other spellings and namesakes, and the Corrections page writing merges, splits and
aliases through the entity service. The library, model and index are real."""
from __future__ import annotations

import re
import shutil
from collections import Counter
from urllib.parse import parse_qs

import pytest
from streamlit.testing.v1 import AppTest
from tests.app_helpers import build_library, run_page, shared_library

from paperkg.graph.config import load_settings
from paperkg.graph.embedded import EmbeddedStore
from paperkg.services import entities

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    return shared_library(tmp_path_factory)


@pytest.fixture(scope="module")
def papers(library) -> list[dict]:
    with EmbeddedStore(library) as store:
        return store.papers()


@pytest.fixture
def open_page(monkeypatch):
    def run(home, page: str, **params) -> AppTest:
        return run_page(monkeypatch, home, page, **{"lang": "en", **params})
    return run


def links(at: AppTest, page: str) -> list[dict]:
    return [{k: v[0] for k, v in parse_qs(l.proto.query_string).items()} | {"label": l.proto.label}
            for l in at.get("page_link") if l.proto.page == page]


def captions(at: AppTest) -> list[str]:
    return [str(c.value) for c in at.caption]


# -- lists -------------------------------------------------------------------------------------------
def test_the_paper_menu_lists_every_paper_newest_first(library, open_page, papers):
    at = open_page(library, "paper")
    table = at.dataframe[0].value
    assert len(table) == len(papers) and f"{len(papers)} papers" in captions(at)
    dates = table.iloc[:, 0].tolist()
    assert dates == sorted(dates, reverse=True)
    by_title = open_page(library, "paper", sort="title").dataframe[0].value.iloc[:, 2].tolist()
    assert by_title == sorted(by_title, key=str.casefold)
    narrowed = open_page(library, "paper", contains="diffusion").dataframe[0].value
    assert 0 < len(narrowed) < len(papers) and all("diffusion" in t.lower() for t in narrowed.iloc[:, 2])


def test_a_category_opens_its_papers(library, open_page, papers):
    at = open_page(library, "paper", category="CV")
    assert at.dataframe[0].value.iloc[:, 1].tolist() == ["CV"] * sum(p["category"] == "CV" for p in papers)


@pytest.mark.parametrize("kind,field", [("institution", "institution_ids"), ("author", "author_ids")])
def test_institutions_and_authors_are_listed_by_paper_count(library, open_page, papers, kind, field):
    counts = Counter(k for p in papers for k in set(p[field]))
    at = open_page(library, kind)
    table = at.dataframe[0].value
    assert len(table) == len(counts) and f"{len(counts)} {kind}s" in captions(at)
    assert table.iloc[:, 1].tolist() == sorted(counts.values(), reverse=True)
    by_name = open_page(library, kind, sort="name").dataframe[0].value.iloc[:, 0].tolist()
    assert by_name == sorted(by_name, key=str.casefold)


def test_clicking_a_row_opens_its_page(library, open_page, papers):
    """A click on any cell of a row (here the name) selects that cell, which opens the row's page."""
    most = Counter(k for p in papers for k in set(p["institution_ids"])).most_common(1)[0][0]
    at = open_page(library, "institution")
    first = at.dataframe[0].value.iloc[0, 0]
    at.session_state["institution-list-papers"] = {"selection": {"cells": [[0, "Name"]], "rows": [], "columns": []}}
    at.run()
    assert at.query_params.get("id") == most
    assert at.title[0].value.replace("\\", "") == first


# -- institution page --------------------------------------------------------------------------------
def test_an_institution_includes_its_sub_units_and_says_so(library, open_page, papers):
    at = open_page(library, "institution", id="google")
    markdown = [str(m.value) for m in at.markdown]
    assert "Papers with its sub-units:" in markdown
    units = [l["label"] for l in links(at, "institution") if "subunits" not in l and l["id"] != "alphabet"]
    assert units[:3] == ["Google Research", "Google Brain", "DeepMind"]
    google = {"google", "google-research", "google-brain", "deepmind"}
    assert int(at.metric[0].value) == sum(bool(google & set(p["institution_ids"])) for p in papers)
    toggle = next(l for l in links(at, "institution") if l.get("subunits") == "0")
    assert toggle["label"] == "See the institution alone"
    alone = open_page(library, "institution", id="google", subunits="0")
    assert int(alone.metric[0].value) == sum("google" in p["institution_ids"] for p in papers) < int(at.metric[0].value)
    assert any("own papers only" in str(m.value) for m in alone.markdown)


def test_an_institution_shows_registry_facts_and_its_parent(library, open_page):
    at = open_page(library, "institution", id="uc-berkeley")
    facts = " ".join(str(m.value) for m in at.markdown)
    assert "Country: US" in facts and "university" in facts
    assert "[ROR 01an7q238](https://ror.org/01an7q238)" in facts, "the ROR id links to ror.org"
    parent = next(l for l in links(at, "institution") if l["id"] == "university-of-california")
    assert parent["label"] == "part of University of California"
    assert any(c == "Also written as: UC Berkeley" for c in captions(at))


# -- author page -------------------------------------------------------------------------------------
def test_an_author_page_shows_the_namesakes_and_what_tells_them_apart(library, open_page, papers):
    at = open_page(library, "author", id="Y Li")
    with EmbeddedStore(library) as store:
        people = sorted(n for n, _ in store.nodes("author") if n.split(":", 1)[1].split("~")[0] == "Y Li")
    assert len(people) == 3
    assert any(e.label == "2 other people are also written “Y Li”" for e in at.expander)
    shown = {"author:" + l["id"] for l in links(at, "author") if l["label"].replace("*", "") == "Y Li"}
    assert shown == set(people) - {"author:Y Li"}
    for person in shown:
        count = sum(person.split(":", 1)[1] in p["author_ids"] for p in papers)
        assert any(c.startswith(f"{count} paper") and person.replace("~", "\\~") in c.replace("\\:", ":")
                   for c in captions(at)), person
    assert any(c.startswith("Institutions: ") for c in captions(at))


# -- corrections ----------------------------------------------------------------------------------------
@pytest.fixture
def writable(library, tmp_path):
    home = tmp_path / "library"
    shutil.copytree(library, home)
    return home


def test_merging_two_namesakes_through_the_page(writable, open_page):
    at = open_page(writable, "corrections", name="Y Li")
    chosen = next(b for b in at.button_group if b.key.startswith("merge-pick")).value
    assert len(chosen) == 2
    at.button(key="merge-go").click().run()
    assert not at.exception
    assert any(s.value.startswith("Merged ") for s in at.success)
    made = entities.corrections(load_settings(home=str(writable), environ={}))
    assert [(o.op, o.kind) for o in made] == [("merge", "author")]
    with EmbeddedStore(writable) as store:
        remaining = [n for n, _ in store.nodes("author") if n.split(":", 1)[1].split("~")[0] == "Y Li"]
    assert len(remaining) == 2
    listed = open_page(writable, "corrections", view="made")
    assert listed.dataframe[0].value.iloc[0, 1] == "merge"


def test_splitting_papers_off_through_the_page(writable, open_page):
    at = open_page(writable, "corrections", name="Y Li")
    person = next(b for b in at.selectbox if b.key.startswith("split-person")).value
    at.session_state[f"split-papers-{person}"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert at.button(key="split-go").disabled, "splitting off every paper of a person is refused"
    made = entities.corrections(load_settings(home=str(writable), environ={}))
    assert made == []


UNKNOWN = """LG - 机器学习

1、[LG] A Paper From A Lab No Registry Knows

A Author, B Author
[Googel Research & Univ. of Nowhere, Dept. of Unknown Studies]
无名实验室的论文。一段中文摘要。 An English abstract about nothing in particular. https://weibo.com/1402400261/K5u2mypvD

2、[LG] A Paper From The Lab Itself

C Author
[Google Research]
那个实验室的论文。另一段中文摘要。 Another English abstract about something else. https://weibo.com/1402400261/K5tUA2l2c
"""


def test_aliasing_an_unknown_institution_to_a_suggestion(tmp_path, open_page):
    digest = tmp_path / "unknown.txt"
    digest.write_text(UNKNOWN, encoding="utf-8")
    home = build_library(tmp_path / "lib", [digest], index=False)
    at = open_page(home, "corrections", view="institutions")
    assert at.dataframe[0].value.iloc[:, 0].tolist() == ["Googel Research", "Univ. of Nowhere, Dept. of Unknown Studies"]
    assert at.dataframe[0].value.iloc[0, 2] == "Google Research", "the registry's close name is suggested"
    at.button(key="alias-institution:google-research").click().run()
    assert [s.value for s in at.success] == ["Saved: “Googel Research” is Google Research."], \
        [s.value for s in at.success] + [e.value for e in at.error]
    assert [o.op for o in entities.corrections(load_settings(home=str(home), environ={}))] == ["alias"]
    with EmbeddedStore(home) as store:
        first = next(p for p in store.papers() if p["title"] == "A Paper From A Lab No Registry Knows")
    assert first["institution_ids"][0] == "google-research", "the written name is now that institution"


def test_corrections_made_read_as_names_and_titles(writable, open_page):
    settings = load_settings(home=str(writable), environ={})
    with EmbeddedStore(writable) as store:
        people = sorted(n for n, _ in store.nodes("author") if n.split(":", 1)[1].split("~")[0] == "Y Li")
    entities.merge(settings, people[:2])
    entities.alias(settings, "UCB", "institution:uc-berkeley")
    table = open_page(writable, "corrections", view="made").dataframe[0].value
    assert table.iloc[:, 1].tolist() == ["merge", "alias"] and table.iloc[:, 2].tolist() == ["author", "institution"]
    merged, aliased = table.iloc[:, 3].tolist()
    assert merged.count("Y Li · ") == 2 and not re.search(r"[0-9a-f]{16}", merged), "no paper keys: " + merged
    assert aliased == "UCB → University of California, Berkeley"


def test_splitting_a_paper_off_through_the_page(writable, open_page):
    settings = load_settings(home=str(writable), environ={})
    with EmbeddedStore(writable) as store:
        people = sorted(n for n, _ in store.nodes("author") if n.split(":", 1)[1].split("~")[0] == "Y Li")
    entities.merge(settings, people[:2])  # one person with two papers, to split one of them off again
    at = open_page(writable, "corrections", name="Y Li")
    person = next(b for b in at.selectbox if b.key.startswith("split-person"))
    person.set_value(people[0]).run()
    at.session_state[f"split-papers-{people[0]}"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    go = at.button(key="split-go")
    assert not go.disabled and go.label == "Split off the 1 chosen paper"
    go.click().run()
    assert any(s.value.startswith("Split 1 paper off ") for s in at.success)
    assert [o.op for o in entities.corrections(settings)] == ["merge", "split"]
    with EmbeddedStore(writable) as store:
        assert len([n for n, _ in store.nodes("author") if n.split(":", 1)[1].split("~")[0] == "Y Li"]) == 3


def chart_data(at: AppTest):
    """The data of the page's first chart (an Arrow table Streamlit sends to the browser)."""
    import pyarrow as pa

    chart = next(e for e in at.main.children.values() if getattr(e, "type", "") == "vega_lite_chart")
    return pa.ipc.open_stream(chart.proto.datasets[0].data.data).read_all().to_pandas()


def test_months_without_papers_are_zero_bars(library, open_page, papers):
    at = open_page(library, "institution", id="uc-berkeley")
    months = Counter(p["posted_at"][:7] for p in papers if "uc-berkeley" in p["institution_ids"])
    data = chart_data(at)
    assert data["month"].tolist() == ["2021-03", "2021-04", "2021-05", "2021-06", "2021-07"]
    assert data["papers"].tolist() == [months.get(m, 0) for m in data["month"]] and 0 in data["papers"].tolist()


def test_merge_pills_show_names_and_ids_as_text(library, open_page):
    """st.pills renders its labels as Markdown: names and ids go in escaped, so each reads as written."""
    import html

    from markdown_it import MarkdownIt

    at = open_page(library, "corrections", name="Y Li")
    pills = next(b for b in at.button_group if b.key.startswith("merge-pick"))
    assert pills.options
    for label in pills.options:
        rendered = MarkdownIt("commonmark").renderInline(label)
        assert "<" not in rendered.replace("&lt;", ""), rendered
        text = html.unescape(rendered)
        assert re.fullmatch(r"Y Li · author:Y Li(~[0-9a-f]+)? · \d+ papers?", text), text
