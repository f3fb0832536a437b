"""Institutions and authors as entities: the registry, normalisation, look-alikes, people.

Expectations are facts read by a person (the registry's data, the real papers' authors)
or properties (order independence, two slots of one paper are two people), never the
resolver's own output. The measured quality is in ``python -m bench.bench_entities``.
"""
from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paperkg.graph.entities import Resolver, institution_node, resolve_papers
from paperkg.graph.institutions import TYPES, InstitutionResolver, normalise, registry
from paperkg.graph.overrides import Override, apply_author_overrides
from paperkg.graph.people import author_key, cluster, people_of, slot_facts


# -- the registry -----------------------------------------------------------------------------
def test_the_registry_is_well_formed():
    reg = registry()
    assert len(reg) >= 500, "at least the 500 institutions that publish most"
    entries = list(reg.by_id.values())
    assert len({e.id for e in entries}) == len(entries)
    owner: dict[str, str] = {}
    for e in entries:
        assert e.type in TYPES and (e.country is None or len(e.country) == 2) and e.name
        assert e.ror is None or (len(e.ror) == 9 and e.ror.isalnum())
        assert e.parent is None or e.parent in reg.by_id, (e.id, e.parent)
        for name in (e.name, *e.aliases):
            assert owner.setdefault(normalise(name), e.id) == e.id, f"{name!r} names {owner[normalise(name)]} and {e.id}"
        seen, parent = {e.id}, e.parent
        while parent:
            assert parent not in seen, f"a cycle through {e.id}"
            seen.add(parent)
            parent = reg.by_id[parent].parent
    assert sum(1 for e in entries if e.ror) > 300
    assert {e.country for e in entries} >= {"US", "CN", "GB", "DE", "FR", "CA", "JP", "KR", "SG", "IN", "IL", "AU", "CH"}


@pytest.mark.parametrize("written, key", [
    ("UC Berkeley", "uc-berkeley"), ("University of California, Berkeley", "uc-berkeley"), ("加州大学伯克利分校", "uc-berkeley"),
    ("NYU", "nyu"), ("New York University", "nyu"), ("Facebook AI", "meta-ai"), ("Meta AI", "meta-ai"),
    ("Facebook AI Research", "facebook-ai-research"), ("Microsoft", "microsoft"), ("Microsoft Corporation", "microsoft"),
    ("Google Research, Brain Team", "google-brain"), ("清华大学", "tsinghua-university"), ("THU", "tsinghua-university"),
    ("FAIR", "facebook-ai-research"), ("X Corp.", "twitter"),
    # an organisation followed by its town: a town that is also a registry name does not win
    ("MIT, Cambridge, MA", "mit"), ("Harvard University, Cambridge, MA, USA", "harvard-university"),
    ("Google Research, Cambridge, MA", "google-research"), ("MSR New England, Cambridge, MA", "microsoft-research-new-england"),
    ("NEC Laboratories America, Princeton, NJ", "nec-labs-america"), ("Stanford University, Stanford, CA", "stanford-university"),
    # a US lab of Microsoft Research, not the UK one; the UK one where the places say so
    ("Microsoft Research, Cambridge, MA", "microsoft-research"), ("Microsoft Research, Cambridge, UK", "microsoft-research-cambridge"),
    ("Google Research, India", "google-research-india"),
    # a longer registry name that is no namesake ("Zhejiang University of Technology") does not make the name doubtful
    ("Zhejiang University, Hangzhou, China", "zju"), ("Nanjing University, Nanjing, China", "nju"),
    ("Northeastern University, Boston, MA", "northeastern-university"),
])
def test_spellings_of_one_institution_are_one(written, key):
    assert InstitutionResolver(registry()).key(written) == key


@pytest.mark.parametrize("a, b", [
    ("the University of Hong Kong", "University of Hong Kong."), ("Technische Universität Darmstadt", "Technische Universitat Darmstadt"),
    ("Univ. of Vermont", "University of Vermont"), ("University  of   Vermont", "university of vermont"),
    ("Acme Robotics Lab", "ACME robotics lab"), ("Acme Robotics, Inc.", "Acme Robotics"), ("M.I.T.", "MIT"),
])
def test_conservative_normalisation_folds_only_form(a, b):
    resolver = InstitutionResolver(registry())
    assert resolver.key(a) == resolver.key(b)


#: Pairs that must never be one institution: namesakes, a university and a namesake or sub-unit,
#: a lab and its parent (which are linked instead), campuses of one system.
LOOKALIKES = [
    ("University of Washington", "Washington University in St. Louis"),
    ("Chinese Academy of Sciences", "University of Chinese Academy of Sciences"),
    ("Google Brain", "Google"), ("Google Research", "Google"), ("Microsoft Research Asia", "Microsoft Research"),
    ("Nanjing University", "Nanjing University of Science and Technology"),
    ("Beijing Institute of Technology", "Beijing University of Technology"),
    ("University of Science and Technology of China", "University of Science and Technology Beijing"),
    ("The University of Hong Kong", "Hong Kong University of Science and Technology"),
    ("Peking University", "Beijing Normal University"), ("UC Berkeley", "UC San Diego"),
    ("Allen Institute for AI", "Allen Institute"), ("Toyota Research Institute", "Toyota Technological Institute at Chicago"),
    ("Northeastern University", "东北大学"), ("Northeastern University, Shenyang", "Northeastern University"),
    ("Technical University of Munich", "Ludwig Maximilian University of Munich"),
    ("Department of Computer Science, Stanford University", "Stanford University"), ("Inria Paris", "Inria"),
    ("MIT, Cambridge, MA", "University of Cambridge"), ("Miami University, Oxford, OH", "University of Oxford"),
    ("Microsoft Research, Cambridge, MA", "Microsoft Research Cambridge"), ("X", "Twitter"), ("X", "X, the moonshot factory"),
    ("Northeastern University, Shenyang, China", "Northeastern University"),
]


@pytest.mark.parametrize("a, b", LOOKALIKES)
def test_lookalikes_never_merge(a, b):
    resolver = InstitutionResolver(registry())
    assert resolver.key(a) != resolver.key(b)


def test_a_lab_is_part_of_its_organisation_and_an_unknown_unit_of_the_one_it_names():
    reg = registry()
    assert reg.ancestors("google-brain")[:2] == ["google-research", "google"]
    assert reg.by_id["bair"].parent == "uc-berkeley"
    unit = InstitutionResolver(reg).resolve("Department of Computer Science, Stanford University")
    assert unit.parent == "stanford-university" and unit.key not in reg.by_id


@pytest.mark.parametrize("written, wrong", [
    ("MIT, Cambridge, MA", "cambridge"), ("Harvard University, Cambridge, MA, USA", "cambridge"),
    ("Google Research, Cambridge, MA", "cambridge"), ("MSR New England, Cambridge, MA", "cambridge"),
    ("Miami University, Oxford, OH", "oxford"), ("NEC Laboratories America, Princeton, NJ", "princeton-university"),
])
def test_a_town_named_like_a_registry_institution_is_no_part_of_it(written, wrong):
    found = InstitutionResolver(registry()).resolve(written)
    assert found.key != wrong and found.parent != wrong


def test_meta_ai_holds_fair():
    reg = registry()
    assert reg.ancestors("facebook-ai-research")[:2] == ["meta-ai", "meta"]


@pytest.mark.parametrize("written, registry_id", [("IIT", "iit"), ("Bath", "bath"), ("Argonne", "argonne")])
def test_an_unknown_name_spelled_like_a_registry_id_is_no_part_of_it(written, registry_id):
    """"IIT" is not a split of the Istituto Italiano di Tecnologia: it is unknown, with no parent,
    and people at "IIT" are not placed at the institute."""
    resolver = Resolver()
    key = resolver.institution_key("p1", written)
    assert key != registry_id
    node = institution_node(key, written, [written], resolver)
    assert node["parent"] is None and node["ror"] is None and node["country"] is None
    assert resolver.organisation_of(key) != registry_id
    split = resolver.institution_key("p1", "Istituto Italiano di Tecnologia") + "~0a1b2c"
    assert institution_node(split, "IIT", ["IIT"], resolver)["parent"] == "institution:iit"  # a real split still is


def test_an_analysts_alias_wins():
    resolver = Resolver([Override("alias", "institution", written="Acme Research Division", target="ibm-research")])
    assert resolver.institution_key("p", "Acme research division") == "ibm-research"


# -- people ------------------------------------------------------------------------------------
def _paper(key, authors, institutions=(), title="", category="LG", posted="2021-03-01T00:00:00Z"):
    return {"id": key, "authors": list(authors), "institutions": list(institutions), "institution_ids": list(institutions),
            "title": title, "abstract": "", "category": category, "posted_at": posted}


#: Two people written "Y Li": one writes with P Abbeel at Berkeley on robots, one with J Dean at Google
#: on language models; the first moves to Stanford but keeps writing with P Abbeel.
PAPERS = [
    _paper("a1", ["Y Li", "P Abbeel", "S Levine"], ["uc-berkeley"], "robot grasping policies", "RO", "2019-01-01T00:00:00Z"),
    _paper("a2", ["Y Li", "P Abbeel"], ["uc-berkeley"], "robot manipulation from pixels", "RO", "2019-06-01T00:00:00Z"),
    _paper("a3", ["P Abbeel", "Y Li", "C Finn"], ["stanford-university"], "robot skills from play", "RO", "2021-01-01T00:00:00Z"),
    _paper("b1", ["J Dean", "Y Li", "Q Le"], ["google"], "sparse mixture of experts language models", "CL", "2020-01-01T00:00:00Z"),
    _paper("b2", ["Y Li", "J Dean"], ["google"], "scaling language models with experts", "CL", "2020-06-01T00:00:00Z"),
    _paper("c1", ["C Zhang", "J Sun", "C Zhang"], ["megvii"], "human object interaction detection", "CV", "2021-03-09T00:00:00Z"),
]


def _people(papers) -> list[set]:
    resolver = Resolver()
    facts = [f for p in papers for f in slot_facts(p, resolver.organisation_of)]
    groups: dict[str, list] = {}
    for f in facts:
        groups.setdefault(author_key(f.written), []).append(f)
    return sorted((frozenset(f.slot for f in person) for g in groups.values() for person in cluster(g)), key=sorted)


def test_people_are_told_apart_by_evidence_and_followed_across_a_move():
    people = {frozenset(p) for p in _people(PAPERS)}
    assert frozenset({("a1", 1), ("a2", 1), ("a3", 2)}) in people  # the mover: shared co-author across the move
    assert frozenset({("b1", 2), ("b2", 1)}) in people
    assert frozenset({("c1", 1)}) in people and frozenset({("c1", 3)}) in people  # two slots of one paper: two people


@given(st.randoms())
@settings(max_examples=30, deadline=None)
def test_who_is_who_does_not_depend_on_order(rng):
    shuffled = [dict(p, authors=list(p["authors"])) for p in PAPERS]
    rng.shuffle(shuffled)
    assert _people(shuffled) == _people(PAPERS)


def test_a_persons_id_stays_while_they_gain_newer_papers():
    resolver = Resolver()
    first = resolve_papers({p["id"]: dict(p) for p in PAPERS}, [], resolver, lambda keys: {})
    later = _paper("a4", ["Y Li", "P Abbeel"], ["stanford-university"], "robot learning at scale", "RO",
                   "2022-01-01T00:00:00Z")
    again = resolve_papers({p["id"]: dict(p) for p in [*PAPERS, later]}, [], resolver, lambda keys: {})
    ids = {k: r["author_ids"] for k, r in first.items()}
    assert all(again[k]["author_ids"] == v for k, v in ids.items())
    assert again["a4"]["author_ids"][0] == first["a1"]["author_ids"][0] == "Y Li"  # the name's first person keeps it
    assert first["b1"]["author_ids"][1].startswith("Y Li~")


def test_corrections_apply_in_order():
    partition = [[("a", 1), ("b", 1)], [("c", 1)]]
    written = {("a", 1): "Y Li", ("b", 1): "Y Li", ("c", 1): "Y Li", ("d", 2): "Yu Li"}.get
    merged = apply_author_overrides(partition + [[("d", 2)]], [
        Override("merge", "author", slots=(("a", 1), ("c", 1)), seq=1),
        Override("split", "author", slots=(("b", 1),), seq=2),
        Override("alias", "author", written="Yu Li", target="a:1", seq=3)], written)
    assert sorted(map(sorted, merged)) == [[("a", 1), ("c", 1), ("d", 2)], [("b", 1)]]


def test_people_of_names_the_first_person_plainly():
    facts = [f for p in PAPERS for f in slot_facts(p, lambda k: k) if f.written == "C Zhang"]
    ids = people_of(cluster(facts))
    assert Counter(v.split("~")[0] for v in ids.values()) == Counter({"C Zhang": 2})
    assert ids[("c1", 1)] == "C Zhang" and ids[("c1", 3)].startswith("C Zhang~")
