"""The store contract: one suite, run against every backend.

Each test runs twice, on the embedded store and on the Neo4j store (against
the Bolt test server, or the server ``NEO4J_URI`` names). Expectations come
from the real digests as the parser reads them, never from a store; the last
test also checks that the two stores give identical answers for the same
digests. Variants of the real digest (a short-entry version, a truncated
replacement, a new legend) are cut from its own text.
"""
from __future__ import annotations

import itertools
import re
from collections import Counter
from pathlib import Path

import pytest

from paperkg.errors import AmbiguousName, UnknownNode
from paperkg.graph import views
from paperkg.graph.base import public_paper
from paperkg.graph.filters import PaperFilter
from paperkg.graph.model import KINDS, key_of, paper_key
from paperkg.ingest import parse_digest

DIGESTS = Path(__file__).resolve().parent.parent / "data" / "digests"
TEXT_A = (DIGESTS / "000_17d677ce7aa43e86.txt").read_text(encoding="utf-8")
TEXT_B = (DIGESTS / "001_c182c66747107c8b.txt").read_text(encoding="utf-8")
NAME_A, NAME_B = "000_17d677ce7aa43e86", "001_c182c66747107c8b"
OTHER_SECTION = "另外几篇值得关注的论文:"


# -- digests cut from the real ones ---------------------------------------------------
def digest(text: str, name: str):
    return parse_digest(text, file=f"{name}.txt", name=name), text


def _main_starts(lines: list[str]) -> list[int]:
    return [i for i, line in enumerate(lines) if re.match(r"^\d+、\[", line)]


def truncated(text: str, keep: int) -> str:
    """The legend and the first ``keep`` main entries."""
    lines = text.split("\n")
    starts = _main_starts(lines)
    return "\n".join(lines[:starts[keep]]).rstrip("\n") + "\n"


def short_entries(text: str, ranks: list[int]) -> list[str]:
    """Main entries ``ranks`` of a digest written as short entries (title, Chinese title, authors, institutions, URL)."""
    entries = {e.rank: e for e in parse_digest(text).entries if e.section == "main"}
    lines = []
    for rank in ranks:
        e = entries[rank]
        lines += [f"[{e.category}] {e.title}", "", e.title_zh, ", ".join(e.authors), "[" + " & ".join(e.institutions) + "]",
                  e.url, "image.png", ""]
    return lines


def short_digest(text: str, ranks: list[int]) -> str:
    """A digest listing only short entries, made of main entries of ``text``."""
    return "\n".join([text.split("\n")[0], "", OTHER_SECTION, "", *short_entries(text, ranks)])


def with_repeat(text: str, rank: int) -> str:
    """``text`` listing its main entry ``rank`` a second time, as a short entry of another post
    (the same post listed twice is a problem the parser reports, see tests/test_parser.py)."""
    from paperkg.ingest.weibo import post_id_for_time

    repeat = "\n".join(short_entries(text, [rank]))
    url = first(text, rank).url
    other = url.rsplit("/", 1)[0] + "/" + post_id_for_time(1615324161, 4242)
    return text.rstrip("\n") + "\n\n" + repeat.replace(url, other)


def relegend(text: str, code: str, name: str) -> str:
    legend, rest = text.split("\n", 1)
    return re.sub(rf"\b{code} - \S+", f"{code} - {name}", legend) + "\n" + rest


def entries_of(*texts: str):
    """Entries by paper key, in listing order."""
    found: dict[str, list] = {}
    for text in texts:
        for e in parse_digest(text).entries:
            found.setdefault(paper_key(e.title), []).append(e)
    return found


def first(text: str, rank: int = 1, section: str = "main"):
    return next(e for e in parse_digest(text).entries if e.section == section and e.rank == rank)


#: The institutions the two real digests name, and the registry entry each is (data/institutions/,
#: read by a person); American Family Insurance is not in the registry and is its own.
INSTITUTION_OF = {
    "Allen Institute for AI": "allen-institute-for-ai", "American Family Insurance": "american-family-insurance",
    "Chinese Academy of Sciences": "chinese-academy-of-sciences", "DeepMind": "deepmind", "EPFL": "epfl",
    "ETH Zurich": "eth-zurich", "Facebook AI Research": "facebook-ai-research", "Google": "google",
    "Google Brain": "google-brain", "Harvard Medical School": "harvard-medical-school",
    "Inception Institute of Artificial Intelligence": "inception-institute-of-ai", "Intel Labs": "intel-labs",
    "KAIST": "kaist", "MEGVII Technology": "megvii", "MIT": "mit", "Microsoft Research Asia": "microsoft-research-asia",
    "Nanjing University": "nju", "Nanjing University of Science and Technology": "njust", "New York University": "nyu",
    "OpenAI": "openai", "Peking University": "pku", "Qualcomm AI Research": "qualcomm-ai-research",
    "SenseTime Research": "sensetime-research", "Stanford University": "stanford-university",
    "Tencent AI Lab": "tencent-ai-lab", "The Chinese University of Hong Kong": "cuhk",
    "The Hebrew University of Jerusalem": "huji", "The University of Hong Kong": "hku", "Tufts University": "tufts-university",
    "UC Berkeley": "uc-berkeley", "University of Vermont": "university-of-vermont",
    "University of Washington": "university-of-washington", "University of Wisconsin-Madison": "uw-madison",
    "VISTEC": "vistec", "Yale University": "yale-university"}


def institution(name: str) -> str:
    return "institution:" + INSTITUTION_OF[name]


def people_of(store) -> dict[tuple[str, int], str]:
    """(paper key, position) -> the author node id of that slot, as the store resolved it."""
    return {(p["id"], n): "author:" + a for p in store.papers() for n, a in enumerate(p["author_ids"], start=1)}


# -- the backends ---------------------------------------------------------------------
class Backend:
    """Opens stores of one kind; ``fresh()`` starts from an empty library/database."""

    def __init__(self, kind: str, request, tmp_path: Path):
        self.kind, self.request, self.tmp_path = kind, request, tmp_path
        self.opened, self.generation = [], 0

    def fresh(self):
        self.generation += 1
        if self.kind == "neo4j":
            from tests.bolt_fixtures import empty_database

            empty_database(self.request.getfixturevalue("bolt_server"))
        return self.open()

    def open(self):
        if self.kind == "embedded":
            from paperkg.graph.embedded import EmbeddedStore

            store = EmbeddedStore(self.tmp_path / f"library{self.generation}")
        else:
            from paperkg.graph.neo4j_store import Neo4jStore

            settings = self.request.getfixturevalue("neo4j_settings")
            # Small batches, so multi-batch writes (orphans across batches) are exercised.
            store = Neo4jStore(settings, home=self.tmp_path / "library", batch_size=3)
        self.opened.append(store)
        return store

    def close(self):
        for store in self.opened:
            store.close()


@pytest.fixture(params=["embedded", "neo4j"])
def backend(request, tmp_path):
    b = Backend(request.param, request, tmp_path)
    if request.param == "neo4j":
        request.getfixturevalue("neo4j_settings")  # the database, emptied
    yield b
    b.close()


@pytest.fixture
def store(backend):
    return backend.fresh()


def snapshot(store) -> dict:
    """Everything a store answers about its graph, in comparable form."""
    nodes = {node_id: attrs for kind in KINDS for node_id, attrs in store.nodes(kind)}
    whole = store.ego_subgraph(list(nodes), hops=0)
    return {
        "nodes": nodes,
        "edges": sorted((e.source, e.target, e.type, repr(sorted(e.attrs.items()))) for e in whole.edges),
        "papers": store.papers(),
        "stats": store.stats(),
        "digests": [{k: v for k, v in d.items() if k != "ingested_at"} for d in store.digests()],
        "raw": {d["name"]: store.raw_text(d["name"]) for d in store.digests()},
    }


def canonical(neighbours) -> list:
    return sorted((n, t, repr(sorted(a.items()))) for n, t, a in neighbours)


def edge_set(sub) -> set:
    return {(e.source, e.target, e.type, repr(sorted(e.attrs.items()))) for e in sub.edges}


# -- papers and sources -------------------------------------------------------------------
def test_papers_are_the_digest_entries(store):
    report = store.ingest([digest(TEXT_A, NAME_A)])
    entries = parse_digest(TEXT_A).entries
    assert [d.status for d in report.digests] == ["added"]
    assert sorted(report.digests[0].added) == sorted(paper_key(e.title) for e in entries)
    papers = store.papers()
    assert len(papers) == len(entries) == 9
    by_id = {p["id"]: p for p in papers}
    for e in entries:
        p = by_id[paper_key(e.title)]
        assert (p["title"], p["title_zh"], p["category"], p["authors"], p["institutions"], p["url"], p["posted_at"],
                p["starred"], p["abstract"], p["summary_zh"]) == (
            e.title, e.title_zh, e.category, e.authors, e.institutions, e.url, e.posted_at, e.starred, e.abstract, e.summary_zh)
        assert p["sources"] == [{"digest": NAME_A, "section": e.section, "rank": e.rank, "url": e.url, "posted_at": e.posted_at}]
        assert p["institution_ids"] == [INSTITUTION_OF[i] for i in e.institutions]
        assert len(p["author_ids"]) == len(e.authors)
    assert [p["posted_at"] for p in papers] == sorted((e.posted_at for e in entries), reverse=True)
    assert store.get_node("paper:" + paper_key(entries[0].title)) == {"kind": "paper", **by_id[paper_key(entries[0].title)]}


def test_filters_and_ids(store):
    store.ingest([digest(TEXT_A, NAME_A), digest(TEXT_B, NAME_B)])
    entries = [e for es in entries_of(TEXT_A, TEXT_B).values() for e in es[:1]]
    for filters in (PaperFilter(category="cv"), PaperFilter(institution="Berkeley"), PaperFilter(author="P Luo"),
                    PaperFilter(since="2021-03-10"), PaperFilter(until="2021-03-09"), PaperFilter(category="LG", since="2021-03-10")):
        got = {p["id"] for p in store.papers(filters)}
        expected = {paper_key(e.title) for e in entries if filters.matches({**e.__dict__, "posted_at": e.posted_at or ""})}
        assert got == expected and got, filters
    some = [paper_key(entries[0].title), paper_key(entries[-1].title), "0000000000000000"]
    assert {p["id"] for p in store.papers(ids=some)} == set(some[:2])


def test_sources_name_every_listing(store):
    short = short_digest(TEXT_A, [1, 2])
    store.ingest([digest(TEXT_A, NAME_A), digest(short, "short")])
    e = first(TEXT_A)
    paper = store.get_node("paper:" + paper_key(e.title))
    assert paper["sources"] == [
        {"digest": NAME_A, "section": "main", "rank": 1, "url": e.url, "posted_at": e.posted_at},
        {"digest": "short", "section": "other", "rank": 1, "url": e.url, "posted_at": e.posted_at}]
    listed = sorted((n, a["section"], a["rank"]) for n, t, a in store.neighbours("paper:" + paper_key(e.title), ["LISTED_IN"]))
    assert listed == [("digest:" + NAME_A, "main", 1), ("digest:short", "other", 1)]


def test_a_paper_listed_twice_in_one_digest(store):
    store.ingest([digest(with_repeat(TEXT_A, 1), NAME_A)])
    pid = "paper:" + paper_key(first(TEXT_A).title)
    paper = store.get_node(pid)
    assert [(s["section"], s["rank"]) for s in sorted(paper["sources"], key=lambda s: s["section"])] == [
        ("main", 1), ("other", 5)]
    assert paper["abstract"] == first(TEXT_A).abstract
    # one edge per pair of nodes, as in a DiGraph: the later listing's
    assert [(n, a["section"], a["rank"]) for n, _, a in store.neighbours(pid, ["LISTED_IN"])] == [("digest:" + NAME_A, "other", 5)]
    assert store.stats()["papers"] == 9


# -- neighbourhoods -----------------------------------------------------------------------
def test_neighbours_of_an_author(store):
    store.ingest([digest(TEXT_A, NAME_A), digest(TEXT_B, NAME_B)])
    found = sorted((n, t, a["position"], a["positions"]) for n, t, a in store.neighbours("author:P Abbeel"))
    expected = sorted(("paper:" + k, "AUTHORED", es[0].authors.index("P Abbeel") + 1, [es[0].authors.index("P Abbeel") + 1])
                      for k, es in entries_of(TEXT_A, TEXT_B).items() if "P Abbeel" in es[0].authors)
    assert found == expected and len(found) == 2
    assert store.neighbours("author:Nobody") == []
    hoi = "paper:" + paper_key(first(TEXT_A, 4, "other").title)
    zhangs = sorted((a["positions"], n) for n, t, a in store.neighbours(hoi, ["AUTHORED"]) if n.startswith("author:C Zhang"))
    assert [positions for positions, _ in zhangs] == [[8], [9]]  # two people named C Zhang on one paper
    assert len({n for _, n in zhangs}) == 2 and zhangs[0][1] == "author:C Zhang"


def test_ego_subgraph_of_a_paper(store):
    store.ingest([digest(TEXT_A, NAME_A), digest(TEXT_B, NAME_B)])
    e = first(TEXT_A)
    pid = "paper:" + paper_key(e.title)
    sub = store.ego_subgraph([pid], hops=1)
    expected = {pid, "category:LG", "digest:" + NAME_A, *("author:" + a for a in e.authors),
                *(institution(i) for i in e.institutions)}
    assert set(sub.nodes) == expected
    assert sub.nodes["digest:" + NAME_A]["kind"] == "digest" and sub.nodes[pid]["title"] == e.title
    assert edge_set(sub) == {
        *(("author:" + a, pid, "AUTHORED", repr(sorted({"position": i, "positions": [i]}.items())))
          for i, a in enumerate(e.authors, 1)),
        *((pid, institution(n), "AFFILIATED", repr(sorted({"position": i, "positions": [i]}.items())))
          for i, n in enumerate(e.institutions, 1)),
        (pid, "category:LG", "IN_CATEGORY", "[]"),
        (pid, "digest:" + NAME_A, "LISTED_IN",
         repr(sorted({"section": "main", "rank": 1, "url": e.url, "posted_at": e.posted_at}.items())))}
    # two hops, papers only: via the digest, the category, the authors and the institutions
    everything = entries_of(TEXT_A, TEXT_B)
    a_keys = {paper_key(x.title) for x in parse_digest(TEXT_A).entries}
    expected_papers = {"paper:" + k for k, es in everything.items()
                       if k in a_keys or es[0].category == "LG" or set(es[0].authors) & set(e.authors)
                       or {institution(i) for i in es[0].institutions} & {institution(i) for i in e.institutions}}
    two = store.ego_subgraph([pid], hops=2, kinds=["paper"])
    assert set(two.nodes) == expected_papers and len(expected_papers) > 9
    assert two.edges == []
    assert set(store.ego_subgraph([pid, "author:Nobody"], hops=0).nodes) == {pid}
    kept = store.ego_subgraph(["author:Y Dong"], hops=2, kinds=["institution"])
    assert set(kept.nodes) == {"author:Y Dong", "institution:google", "institution:epfl"}


# -- networks -----------------------------------------------------------------------------
def _links(ids_of, papers) -> Counter:
    weights: Counter = Counter()
    for p in papers:
        weights.update(itertools.combinations(sorted(set(ids_of(p))), 2))
    return weights


def test_institution_links(store):
    store.ingest([digest(TEXT_A, NAME_A), digest(TEXT_B, NAME_B)])
    papers = [es[0] for es in entries_of(TEXT_A, TEXT_B).values()]
    for filters, min_weight in ((None, 1), (None, 2), (PaperFilter(category="CV"), 1)):
        chosen = [p for p in papers if filters is None or p.category == filters.category]
        expected = {(a, b, "INSTITUTION_LINK", repr([("weight", w)]))
                    for (a, b), w in _links(lambda p: map(institution, p.institutions), chosen).items() if w >= min_weight}
        sub = store.institution_links(filters, min_weight=min_weight)
        assert edge_set(sub) == expected
        assert set(sub.nodes) == {n for e in expected for n in e[:2]}
    assert ("institution:hku", "institution:uc-berkeley") not in {
        e[:2] for e in edge_set(store.institution_links(min_weight=2))}
    linked = store.institution_links()
    assert linked.nodes and all(n["kind"] == "institution" for n in linked.nodes.values())


def test_coauthors(store):
    store.ingest([digest(TEXT_A, NAME_A), digest(TEXT_B, NAME_B)])
    papers = [es[0] for es in entries_of(TEXT_A, TEXT_B).values()]
    slot = people_of(store)
    expected = {(a, b, "COAUTHOR", repr([("weight", w)])) for (a, b), w in _links(
        lambda p: [slot[(paper_key(p.title), n)] for n in range(1, len(p.authors) + 1)], papers).items()}
    assert edge_set(store.coauthors()) == expected
    two = store.coauthors(min_weight=2)
    assert edge_set(two) == {e for e in expected if e[3] != repr([("weight", 1)])}
    assert ("author:A Radford", "author:I Sutskever") in {(e.source, e.target) for e in two.edges}
    mine = store.coauthors(author="author:C Zhang")
    hoi = first(TEXT_A, 4, "other")
    assert set(mine.nodes) == {slot[(paper_key(hoi.title), n)] for n in range(1, len(hoi.authors) + 1)}
    assert all("author:C Zhang" in (e.source, e.target) for e in mine.edges)
    assert len(mine.nodes) == len(hoi.authors)  # the other C Zhang is a co-author too


def test_stats(store):
    store.ingest([digest(TEXT_A, NAME_A), digest(TEXT_B, NAME_B)])
    papers = [es[0] for es in entries_of(TEXT_A, TEXT_B).values()]
    legends = {**parse_digest(TEXT_A).categories, **parse_digest(TEXT_B).categories}
    slot = people_of(store)
    authored = len(set((paper, person) for (paper, _), person in slot.items()))
    affiliated = sum(len({institution(i) for i in p.institutions}) for p in papers)
    institutions = dict(store.nodes("institution"))
    assert {institution(i) for p in papers for i in p.institutions} <= set(institutions)
    part_of = sum(1 for a in institutions.values() if a.get("parent"))
    stats = store.stats()
    assert stats == {
        "papers": 20, "authors": len(set(slot.values())), "institutions": len(institutions),
        "categories": len(set(legends) | {p.category for p in papers}), "digests": 2,
        "edges": authored + affiliated + 2 * len(papers) + part_of,
        "edge_types": {"AFFILIATED": affiliated, "AUTHORED": authored, "IN_CATEGORY": 20, "LISTED_IN": 20,
                       **({"PART_OF": part_of} if part_of else {})},
        "starred": sum(p.starred for p in papers),
        "papers_per_category": dict(sorted(Counter(p.category for p in papers).items())),
        "first_posted": min(p.posted_at for p in papers), "last_posted": max(p.posted_at for p in papers)}


# -- show and resolve ---------------------------------------------------------------------
def test_show_and_resolve(store):
    store.ingest([digest(TEXT_A, NAME_A), digest(TEXT_B, NAME_B)])
    assert store.resolve("p abbeel") == "author:P Abbeel"
    assert store.resolve("Perceiver") == "paper:" + paper_key("Perceiver: General Perception with Iterative Attention")
    assert store.resolve(paper_key("Random Feature Attention")) == "paper:" + paper_key("Random Feature Attention")
    assert store.resolve("lg") == "category:LG"
    with pytest.raises(AmbiguousName):
        store.resolve("Transformer")
    with pytest.raises(UnknownNode) as unknown:
        store.resolve("P Abeel")
    assert "P Abbeel" in unknown.value.suggestions
    shown = views.show(store, "author:P Abbeel")
    assert shown["kind"] == "author" and shown["name"] == "P Abbeel" and len(shown["papers"]) == 2
    assert {"id": "institution:uc-berkeley", "name": "University of California, Berkeley", "papers": 2} in shown["institutions"]
    inst = views.show(store, "institution:uc-berkeley")
    assert len(inst["papers"]) == 3 and inst["names"] == ["UC Berkeley"]
    assert {"id": "institution:facebook-ai-research", "name": "Facebook AI Research", "papers": 1} in inst["partners"]
    assert store.resolve("uc berkeley") == "institution:uc-berkeley"  # any spelling seen
    google = views.show(store, "institution:google")
    brain = {paper_key(e.title) for es in entries_of(TEXT_A, TEXT_B).values() for e in es[:1] if "Google Brain" in e.institutions}
    assert brain and brain <= {p["id"] for p in google["papers"]} and google["with_subunits"]  # Google with its labs
    assert any(u["id"] == "institution:google-brain" for u in google["subunits"])
    assert brain.isdisjoint(p["id"] for p in views.show(store, "institution:google", subunits=False)["papers"])
    cat = views.show(store, "category:LG")
    assert cat["name_zh"] == "机器学习" and cat["arxiv"] == "cs.LG" and len(cat["papers"]) == 6
    paper = views.show(store, "paper:" + paper_key("Random Feature Attention"))
    assert paper["kind"] == "paper" and paper["authors"][0] == "H Peng"
    assert len(views.show(store, "digest:" + NAME_B)["papers"]) == 11


def test_digests_and_raw_text(store):
    store.ingest([digest(TEXT_B, NAME_B), digest(TEXT_A, NAME_A)])
    rows = store.digests()
    assert [{k: v for k, v in r.items() if k != "ingested_at"} for r in rows] == [
        {"name": NAME_A, "file": NAME_A + ".txt", "sha256": parse_digest(TEXT_A).sha256, "posted_at": "2021-03-09", "entry_count": 9},
        {"name": NAME_B, "file": NAME_B + ".txt", "sha256": parse_digest(TEXT_B).sha256, "posted_at": "2021-03-10", "entry_count": 11}]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r["ingested_at"]) for r in rows)
    assert store.raw_text(NAME_A) == TEXT_A and store.raw_text("nope") is None
    assert store.get_node("digest:" + NAME_A) == {"kind": "digest", "name": NAME_A, "file": NAME_A + ".txt",
                                                   "posted_at": "2021-03-09", "entry_count": 9}


# -- ingest semantics -----------------------------------------------------------------------
def test_reingest_is_idempotent_and_persistent(backend, store):
    store.ingest([digest(TEXT_A, NAME_A), digest(TEXT_B, NAME_B)])
    before = snapshot(store)
    again = store.ingest([digest(TEXT_A, NAME_A), digest(TEXT_B, NAME_B)])
    assert [(d.status, d.added, d.updated) for d in again.digests] == [("unchanged", [], [])] * 2
    assert snapshot(store) == before
    assert snapshot(backend.open()) == before


def test_ingest_order_does_not_matter(backend):
    short = digest(short_digest(TEXT_A, [1, 3]), "short")
    one = backend.fresh()
    one.ingest([digest(TEXT_A, NAME_A)])
    one.ingest([short])
    one.ingest([digest(TEXT_B, NAME_B)])
    forward = snapshot(one)
    other = backend.fresh()
    other.ingest([digest(TEXT_B, NAME_B), short])
    other.ingest([digest(TEXT_A, NAME_A)])
    assert snapshot(other) == forward


def test_short_then_full_entry(store):
    report = store.ingest([digest(short_digest(TEXT_A, [1]), "short")])
    e = first(TEXT_A)
    pid = "paper:" + paper_key(e.title)
    assert report.digests[0].added == [paper_key(e.title)]
    assert store.get_node(pid)["abstract"] == "" and store.get_node(pid)["summary_zh"] == ""
    report = store.ingest([digest(TEXT_A, NAME_A)])
    assert report.digests[0].updated == [paper_key(e.title)] and len(report.digests[0].added) == 8
    paper = store.get_node(pid)
    assert (paper["abstract"], paper["summary_zh"], paper["title_zh"]) == (e.abstract, e.summary_zh, e.title_zh)
    assert [s["digest"] for s in paper["sources"]] == [NAME_A, "short"]


def test_replaced_digest(store):
    store.ingest([digest(TEXT_A, NAME_A), digest(TEXT_B, NAME_B)])
    shorter = truncated(TEXT_A, 2)
    report = store.ingest([digest(shorter, NAME_A)])
    assert [(d.status, d.added, d.updated) for d in report.digests] == [("replaced", [], [])]
    kept = {paper_key(e.title) for e in parse_digest(shorter).entries} | {paper_key(e.title) for e in parse_digest(TEXT_B).entries}
    assert {p["id"] for p in store.papers()} == kept
    papers = [es[0] for k, es in entries_of(shorter, TEXT_B).items()]
    assert {n for n, _ in store.nodes("author")} == set(people_of(store).values())
    listed = {institution(i) for p in papers for i in p.institutions}
    nodes = dict(store.nodes("institution"))
    assert listed <= set(nodes) and all(n in listed or any(a.get("parent") == n for a in nodes.values()) for n in nodes)
    assert store.get_node("author:C Zhang") is None and store.get_node("author:P Abbeel") is not None
    assert store.neighbours("institution:epfl") != [] and store.get_node("institution:vistec") is None
    assert store.raw_text(NAME_A) == shorter
    assert {d["name"]: d["entry_count"] for d in store.digests()} == {NAME_A: 2, NAME_B: 11}
    assert store.stats()["papers"] == 13


def test_category_names_follow_the_current_legends(store):
    store.ingest([digest(relegend(TEXT_A, "LG", "学习机器"), NAME_A)])
    assert store.get_node("category:LG")["name_zh"] == "学习机器"
    store.ingest([digest(TEXT_A, NAME_A)])  # the same digest, its legend corrected
    assert store.get_node("category:LG")["name_zh"] == "机器学习"


def test_same_name_twice_in_one_batch(store):
    report = store.ingest([digest(TEXT_A, NAME_A), digest(truncated(TEXT_A, 2), NAME_A), digest(TEXT_A, NAME_A)])
    assert [d.status for d in report.digests] == ["added", "rejected", "unchanged"]
    assert "also named" in str(report.digests[1].problems[-1]) and report.digests[1].added == []
    assert store.stats()["papers"] == 9 and store.raw_text(NAME_A) == TEXT_A


def test_a_digest_without_entries_is_rejected(store):
    report = store.ingest([digest("nothing to see here\n", "empty")])
    assert report.digests[0].status == "rejected" and report.digests[0].problems
    assert store.digests() == [] and store.stats()["papers"] == 0


# -- the two backends agree -------------------------------------------------------------------
def test_backends_agree(neo4j_store, tmp_path):
    from paperkg.graph.embedded import EmbeddedStore

    embedded = EmbeddedStore(tmp_path / "embedded")
    inputs = [[digest(TEXT_A, NAME_A), digest(short_digest(TEXT_B, [2, 3]), "short")], [digest(TEXT_B, NAME_B)],
              [digest(with_repeat(truncated(TEXT_A, 4), 2), NAME_A)]]
    for batch in inputs:
        reports = [s.ingest(batch) for s in (embedded, neo4j_store)]
        one, two = ([(d.status, d.added, d.updated, list(map(str, d.problems))) for d in r.digests] for r in reports)
        assert one == two
    assert snapshot(neo4j_store) == snapshot(embedded)
    for kind in KINDS:
        assert sorted(neo4j_store.node_names(kind)) == sorted(embedded.node_names(kind))
    for node_id in snapshot(embedded)["nodes"]:
        for hops in (1, 2):
            one, two = embedded.ego_subgraph([node_id], hops), neo4j_store.ego_subgraph([node_id], hops)
            assert one.nodes == two.nodes and edge_set(one) == edge_set(two)
        assert canonical(embedded.neighbours(node_id)) == canonical(neo4j_store.neighbours(node_id))
        assert views.show(embedded, node_id) == views.show(neo4j_store, node_id)
    for filters in (None, PaperFilter(category="CV"), PaperFilter(institution="Hong Kong")):
        for network in ("institution_links", "coauthors"):
            one, two = getattr(embedded, network)(filters), getattr(neo4j_store, network)(filters)
            assert one.nodes == two.nodes and edge_set(one) == edge_set(two)
    assert public_paper(embedded.get_node(embedded.resolve("Perceiver"))) == public_paper(
        neo4j_store.get_node(neo4j_store.resolve("Perceiver")))
    embedded.close()


# -- the analyst's corrections ------------------------------------------------------------------
def test_corrections_are_kept_and_survive_reingest(backend, store):
    from paperkg.graph.overrides import Override

    store.ingest([digest(TEXT_A, NAME_A), digest(TEXT_B, NAME_B)])
    abbeel = sorted(key_of(n) for n, _, _ in store.neighbours("author:P Abbeel"))
    assert len(abbeel) == 2
    store.add_overrides([
        Override("merge", "institution", keys=("uc-berkeley", "stanford-university")),
        Override("alias", "institution", written="American Family Insurance", target="university-of-vermont"),
        Override("split", "author", slots=((abbeel[1], first_position(store, abbeel[1], "P Abbeel")),),
                 names=("p abbeel",))])

    def check(s):
        papers = {p["id"]: p for p in s.papers()}
        for p in papers.values():
            assert "stanford-university" not in p["institution_ids"]
            for name, key in zip(p["institutions"], p["institution_ids"]):
                if name in ("Stanford University", "UC Berkeley"):
                    assert key == "uc-berkeley"
                if name == "American Family Insurance":
                    assert key == "university-of-vermont"
        people = {papers[k]["author_ids"][first_position(s, k, "P Abbeel") - 1] for k in abbeel}
        assert len(people) == 2 and "P Abbeel" in people  # split off: two people now
        assert s.get_node("institution:stanford-university") is None
        assert "Stanford University" in s.get_node("institution:uc-berkeley")["names"]
        assert [o.op for o in s.overrides()] == ["merge", "alias", "split"]

    check(store)
    again = store.ingest([digest(TEXT_A, NAME_A), digest(TEXT_B, NAME_B)])
    assert [d.status for d in again.digests] == ["unchanged"] * 2
    check(store)
    check(backend.open())
    replaced = store.ingest([digest(truncated(TEXT_A, 4), NAME_A)])  # a digest replaced: re-merged papers
    assert replaced.digests[0].status == "replaced"
    check(store)


def first_position(store, paper: str, name: str) -> int:
    return store.get_node("paper:" + paper)["authors"].index(name) + 1


def test_a_correction_keeps_what_the_digests_said(backend, store):
    """Papers written again because a correction moved their ids keep their observations."""
    from paperkg.graph.overrides import Override

    store.ingest([digest(TEXT_A, NAME_A), digest(TEXT_B, NAME_B)])
    exported = store.export_digests()
    moved = [p["id"] for p in store.papers() if {"uc-berkeley", "stanford-university"} & set(p["institution_ids"])]
    assert moved
    store.add_overrides([Override("merge", "institution", keys=("uc-berkeley", "stanford-university"))])
    assert store.export_digests() == exported
    assert backend.open().export_digests() == exported
    again = store.ingest([digest(TEXT_A, NAME_A), digest(TEXT_B, NAME_B)])
    assert [d.status for d in again.digests] == ["unchanged"] * 2


def _part_of_is_the_parents(store) -> None:
    """Each institution's PART_OF edge is its parent, and none is left without papers and sub-units."""
    nodes = dict(store.nodes("institution"))
    whole = store.ego_subgraph(list(nodes), hops=0)
    part_of = {(e.source, e.target) for e in whole.edges if e.type == "PART_OF"}
    assert part_of == {(n, a["parent"]) for n, a in nodes.items() if a.get("parent")}
    listed = {"institution:" + i for p in store.papers() for i in p["institution_ids"]}
    assert set(nodes) == listed | {parent for _, parent in part_of}


def test_part_of_follows_a_parent_that_changes(backend, store, monkeypatch):
    """Ids resolved again under another registry: an institution part of nothing now loses its
    PART_OF edge, the parent left without papers or sub-units goes, observations stay."""
    from dataclasses import replace

    from paperkg.graph import entities
    from paperkg.graph.institutions import Registry, registry

    store.ingest([digest(TEXT_B, NAME_B)])
    assert store.get_node("institution:google-brain")["parent"] == "institution:google-research"
    assert store.get_node("institution:google-research") is not None
    _part_of_is_the_parents(store)
    exported = store.export_digests()
    changed = Registry([replace(e, parent=None) if e.id == "google-brain" else e for e in registry().by_id.values()])
    monkeypatch.setattr(entities, "registry", lambda: changed)
    again = backend.open()
    again.ingest([digest(TEXT_A, NAME_A)])
    assert again.get_node("institution:google-brain")["parent"] is None
    assert again.get_node("institution:google-research") is None
    _part_of_is_the_parents(again)
    assert [d for d in again.export_digests() if d[0].name == NAME_B] == exported
