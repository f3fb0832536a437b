"""Authors as people: the author slots of one written name clustered by evidence.

Digests write authors as initials and surname ("Y Li"), so one written name can
stand for many people. Each *slot* (a paper and a position in its author line)
of a written name is placed with the other slots of that name whose papers
share evidence with it:

* co-authors (other written names on both papers; a name with a very common
  surname and a single initial, such as "Y Wang", counts for less),
* institutions (resolved; two sub-units of one organisation count for less),
* topic (distinctive title and abstract words in common), and the category.

The evidence is weighed by a small logistic model (:func:`same_person`) and
slots are grouped in two stages (:func:`cluster`); slots linked through others
are one person too (a person who moves between institutions stays one person
when shared co-authors link the papers before and after the move).
Two slots on one paper are always two people. The clustering of a name depends
only on the papers carrying that name, in no particular order: it is a pure
function of the library (the tests check order independence), so an ingest
re-clusters just the names on the papers it changed.

A person's id is ``author:<name as written>`` for the person holding the
name's earliest slot, and ``author:<name>~<6 hex>`` (from their own earliest
slot) for each further person sharing the name, so an id stays as it is while
its person only gains newer papers. Analysts' corrections (merge, split,
alias) are applied afterwards, in the order they were made
(:mod:`paperkg.graph.overrides`).
"""
from __future__ import annotations

import functools
import hashlib
import heapq
import math
import re
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

#: A slot: (paper key, 1-based position in its author line).
Slot = tuple[str, int]

#: How evidence adds up to "one person": a logistic model over the features of
#: :func:`pair_features`, fitted on data/eval/authors (python -m bench.bench_entities
#: --fit prints the fit and its name-grouped cross-validation).
WEIGHTS = (1.533, 0.611, 1.907, 1.582, 2.791, 1.769, -4.54)
INTERCEPT = 1.365
#: Two slots this likely one person are joined at once ...
LINK_PROBABILITY = 0.8
#: ... and two groups of slots whose pairs are on average this likely one person are joined next.
MERGE_PROBABILITY = 0.4
#: A co-author (or an institution) shared by more slots of one name than this is not used to
#: find candidate pairs: it says little, and would cost quadratic time.
MAX_POSTING = 200
MAX_INSTITUTION_POSTING = 60
#: Past that, each slot is compared with this many of the next slots sharing the feature.
NEIGHBOURS_IN_TIME = 3
#: A name that is not common is compared pair by pair in full, up to this many slots.
FULL_COMPARISON = 80

#: The most frequent surnames of the authors of ML papers (Chinese, Korean, Vietnamese, Indian
#: and others): with a single initial, such a name is shared by many people.
COMMON_SURNAMES = frozenset("""
wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he lin luo gao zheng liang xie song tang han feng
deng cao peng zeng xiao tian dong pan yuan cai jiang yu du ye cheng wei su lu ding ren shen yao jin qian fan fu shi
kim lee park choi jung kang cho yoon jang lim shin nguyen tran le pham hoang
kumar singh sharma gupta patel shah jain agarwal reddy rao das
smith johnson brown jones miller davis garcia wilson
""".split())

_WORD = re.compile(r"[a-z][a-z0-9\-]{2,}")
#: Words too common in ML abstracts to tell two people's topics apart.
_GENERIC = frozenset("""
the and for with from that this these those which their our are was were been being have has had not but can also
into over under such than then there they them its using use used based new novel approach approaches method methods
model models learning learn learned network networks neural deep data dataset datasets training train trained task
tasks results result show shows shown paper propose proposed present presents performance state art work works
problem problems via large small high low two one three first second different existing recent recently framework
significantly improve improves improved improvement better best achieve achieves achieved experiments experimental
demonstrate demonstrates effective efficient simple general however while both more most other each many well only
across between without within through where when how what when toward towards able ability well study analysis
""".split())


@functools.lru_cache(maxsize=1 << 18)
def author_key(written: str) -> str:
    """The comparison form of a written author name: width, dots, case and spacing folded
    ("D P. Kingma" and "D. P. Kingma" are one written name)."""
    text = unicodedata.normalize("NFKC", written).replace(".", " ").casefold()
    return " ".join(text.split())


def is_common(key: str) -> bool:
    """A single initial and one of the most frequent surnames: "y wang", "j kim"."""
    parts = key.split()
    return len(parts) == 2 and len(parts[0]) == 1 and parts[1] in COMMON_SURNAMES


def topic_terms(title: str, abstract: str) -> frozenset[str]:
    """Distinctive words of a paper (title and abstract), for comparing topics."""
    text = unicodedata.normalize("NFKC", f"{title} {abstract}").casefold()
    # interned: a library's papers share a vocabulary far smaller than their words
    return frozenset(map(sys.intern, set(_WORD.findall(text)) - _GENERIC))


@dataclass(frozen=True, slots=True)
class SlotFacts:
    """What one slot's paper says about the person in it."""

    slot: Slot
    written: str  # as written on this paper
    key: str  # its author key
    #: The author keys on the paper whose names are not common, and those whose names are (see
    #: :func:`is_common`); one set per paper, shared by its slots (the slot's own key is in one).
    coauthors: frozenset[str]
    common_coauthors: frozenset[str]
    institutions: frozenset[str]  # institution entity keys of the paper
    organisations: frozenset[str]  # their top-level organisations
    category: str
    terms: frozenset[str]
    posted_at: str
    common_name: bool  # whether the slot's own written name is common


def slot_facts(paper: dict, organisation_of) -> list[SlotFacts]:
    """The facts of every author slot of a paper record (``authors``, ``institution_ids``,
    title, abstract, category, posted_at). ``organisation_of(key)`` gives an institution's
    top-level organisation."""
    keys = [author_key(a) for a in paper["authors"]]
    common = {k: is_common(k) for k in keys}
    institutions = frozenset(paper.get("institution_ids") or ())
    organisations = frozenset(organisation_of(i) for i in institutions)
    terms = topic_terms(paper.get("title") or "", paper.get("abstract") or "")
    rare = frozenset(k for k in keys if not common[k])
    usual = frozenset(k for k in keys if common[k])
    category, posted_at = paper.get("category") or "", paper.get("posted_at") or ""
    return [SlotFacts((paper["id"], position), written, key, rare, usual, institutions, organisations, category, terms,
                      posted_at, common[key]) for position, (written, key) in enumerate(zip(paper["authors"], keys), start=1)]


def pair_features(a: SlotFacts, b: SlotFacts) -> tuple[float, ...]:
    """Shared distinctive co-authors, shared common-name co-authors, shared institutions,
    a shared organisation only (two sub-units of one), topic overlap, same category, and
    whether the name itself is common."""
    shared = a.institutions & b.institutions
    ta, tb = a.terms, b.terms
    topic = len(ta & tb) / (len(ta) if len(ta) < len(tb) else len(tb)) if ta and tb else 0.0
    # both papers carry the name itself (a.key == b.key): it is no shared co-author
    rare = len(a.coauthors & b.coauthors) - (not a.common_name)
    usual = len(a.common_coauthors & b.common_coauthors) - a.common_name
    return (rare if rare < 3 else 3, usual if usual < 3 else 3, len(shared) if len(shared) < 2 else 2,
            float(not shared and not a.organisations.isdisjoint(b.organisations)), topic,
            float(bool(a.category) and a.category == b.category), float(a.common_name))


def _probability(features: tuple[float, ...]) -> float:
    w, x = WEIGHTS, features  # written out: this runs for every compared pair
    z = INTERCEPT + w[0] * x[0] + w[1] * x[1] + w[2] * x[2] + w[3] * x[3] + w[4] * x[4] + w[5] * x[5] + w[6] * x[6]
    return 1.0 / (1.0 + math.exp(-z))


def same_person(a: SlotFacts, b: SlotFacts) -> float:
    """How likely two slots of one written name are one person (0 for two slots of one paper)."""
    if a.slot[0] == b.slot[0]:
        return 0.0
    return _probability(pair_features(a, b))


def _order(facts: SlotFacts) -> tuple:
    return (facts.posted_at or "~", facts.slot)


def _candidates(slots: list[SlotFacts]) -> set[tuple[int, int]]:
    """Pairs worth comparing: all of them for a name that is not common (its slots are
    probably one person), else those sharing a co-author whose name is not common, an
    institution or an organisation (see :data:`MAX_POSTING`). Slots arrive in time order."""
    if len(slots) <= FULL_COMPARISON and not slots[0].common_name:
        return {(a, b) for a in range(len(slots)) for b in range(a + 1, len(slots))}
    postings: dict[tuple, list[int]] = defaultdict(list)
    for i, facts in enumerate(slots):
        for feature in (*(("c", c) for c in facts.coauthors if c != facts.key), *(("i", x) for x in facts.institutions),
                        *(("o", x) for x in facts.organisations)):
            postings[feature].append(i)
    found = set()
    for (kind, _), members in postings.items():
        if len(members) <= (MAX_POSTING if kind == "c" else MAX_INSTITUTION_POSTING):
            found.update((a, b) for n, a in enumerate(members) for b in members[n + 1:])
        else:  # each slot with its next few in time: linear, and enough to chain a long run of papers
            found.update((a, b) for n, a in enumerate(members) for b in members[n + 1:n + 1 + NEIGHBOURS_IN_TIME])
    return found


def cluster(slots: list[SlotFacts]) -> list[list[SlotFacts]]:
    """The people among the slots of one written name, each a list of slots (earliest first),
    ordered by their earliest slot.

    Two stages over the candidate pairs: pairs at least :data:`LINK_PROBABILITY` likely are
    joined (strongest first); then the two groups whose pairs are most likely one person on
    average (pairs never compared count as a pair with nothing in common) are joined while
    that average reaches :data:`MERGE_PROBABILITY`. Two slots on one paper never join. The
    averages are kept per pair of groups and updated on each join (a heap of them), so the
    work grows with the candidate pairs, not with the square of the slots."""
    slots = sorted(slots, key=_order)
    if not slots:
        return []
    probabilities = {pair: p for pair in sorted(_candidates(slots))
                     if (p := same_person(slots[pair[0]], slots[pair[1]])) > 0}
    baseline = _probability((0, 0, 0, 0.0, 0.0, 1.0, float(slots[0].common_name)))
    groups = _Groups(slots)
    links = [(pair, p) for pair, p in probabilities.items() if p >= LINK_PROBABILITY]
    for (a, b), p in sorted(links, key=lambda item: (-item[1], item[0])):
        groups.join(groups.of[a], groups.of[b])
    groups.join_by_average(probabilities, baseline)
    people = [[slots[i] for i in sorted(found)] for found in groups.members.values()]
    return sorted(people, key=lambda person: _order(person[0]))


class _Groups:
    """The slots of one name partitioned into groups (people), joined under the one rule
    that two slots of one paper stay apart."""

    def __init__(self, slots: list[SlotFacts]):
        self.of = list(range(len(slots)))
        self.members = {i: [i] for i in range(len(slots))}
        self.papers = {i: {slots[i].slot[0]} for i in range(len(slots))}

    def join(self, x: int, y: int) -> int | None:
        """Join two groups (the lower number stays); ``None`` if they are one or may not join."""
        if x == y or self.papers[x] & self.papers[y]:
            return None
        x, y = min(x, y), max(x, y)
        for i in self.members[y]:
            self.of[i] = x
        self.members[x] += self.members.pop(y)
        self.papers[x] |= self.papers.pop(y)
        return x

    def join_by_average(self, probabilities: dict[tuple[int, int], float], baseline: float) -> None:
        sums: dict[tuple[int, int], list] = defaultdict(lambda: [0.0, 0])
        of = self.of
        for (a, b), p in probabilities.items():
            x, y = (of[a], of[b]) if of[a] < of[b] else (of[b], of[a])
            if x != y:
                sums[(x, y)][0] += p
                sums[(x, y)][1] += 1
        near: dict[int, set[int]] = defaultdict(set)
        for x, y in sums:
            near[x].add(y)
            near[y].add(x)

        def mean(x: int, y: int) -> float:
            total, compared = sums[(x, y)]
            pairs = len(self.members[x]) * len(self.members[y])
            return (total + (pairs - compared) * baseline) / pairs

        heap = [(-mean(x, y), x, y, len(self.members[x]), len(self.members[y])) for x, y in sums]
        heapq.heapify(heap)
        while heap:
            negative, x, y, size_x, size_y = heapq.heappop(heap)
            if -negative < MERGE_PROBABILITY:
                break
            if x not in self.members or y not in self.members or (size_x, size_y) != (
                    len(self.members[x]), len(self.members[y])):
                continue  # a stale entry: one of the groups has changed since
            kept = self.join(x, y)
            if kept is None:
                continue
            gone = y if kept == x else x
            for z in near.pop(gone, set()) - {kept}:
                near[z].discard(gone)
                old = sums.pop(tuple(sorted((gone, z))))
                into = sums[tuple(sorted((kept, z)))]
                into[0] += old[0]
                into[1] += old[1]
                near[kept].add(z)
                near[z].add(kept)
            near[kept].discard(gone)
            sums.pop(tuple(sorted((kept, gone))), None)
            for z in near[kept]:
                a, b = sorted((kept, z))
                heapq.heappush(heap, (-mean(a, b), a, b, len(self.members[a]), len(self.members[b])))


def person_key(written: str, anchor: Slot, first: bool) -> str:
    """The id key of a person: the name as written on their earliest slot, with a short hash
    of that slot unless they are the first person of the name."""
    if first:
        return written
    digest = hashlib.sha1(f"{anchor[0]}:{anchor[1]}".encode()).hexdigest()[:6]
    return f"{written}~{digest}"


def people_of(groups: Iterable[list[SlotFacts]]) -> dict[Slot, str]:
    """Slot -> person key for the clusters of one written name (see :func:`person_key`)."""
    assigned: dict[Slot, str] = {}
    for n, group in enumerate(sorted(groups, key=lambda g: _order(min(g, key=_order)))):
        anchor = min(group, key=_order)
        key = person_key(anchor.written, anchor.slot, first=(n == 0))
        for facts in group:
            assigned[facts.slot] = key
    return assigned
