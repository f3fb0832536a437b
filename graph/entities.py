"""Resolving the authors and institutions of papers into entities: what both stores run
when papers change, over whatever papers they hold.

:func:`resolve_papers` takes the changed paper records and a way to fetch every
stored paper carrying given written author names, and returns each record
whose ``author_ids`` or ``institution_ids`` are new. The institutions of a
paper depend only on its own names (:mod:`paperkg.graph.institutions`); the
people of a written name depend on every paper carrying it
(:mod:`paperkg.graph.people`), so the names on the changed papers are
clustered again in full, with the analyst's corrections applied after
(:mod:`paperkg.graph.overrides`). The result is a pure function of the
papers, the registry and the corrections: ingest order never matters.

:func:`entity_attributes` gives the attributes of author and institution nodes
(display name, every spelling seen, and for institutions the registry's facts).
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable

from paperkg.graph.base import RESOLUTION
from paperkg.graph.institutions import InstitutionResolver, Registry, normalise, registry
from paperkg.graph.overrides import Override, apply_author_overrides, split_base, split_key, target_slot
from paperkg.graph.people import Slot, author_key, cluster, people_of, slot_facts

#: Stored papers (records) carrying any of the given author keys: ``{paper key: record}``.
PapersWithAuthors = Callable[[set[str]], dict[str, dict]]


class Resolver:
    """The registry and the analyst's corrections, ready to resolve papers."""

    def __init__(self, overrides: Iterable[Override] = (), registry_: Registry | None = None):
        self.registry = registry_ or registry()
        self.overrides = sorted(overrides, key=lambda o: o.seq)
        aliases = {normalise(o.written): o.target for o in self.overrides
                   if o.kind == "institution" and o.op == "alias"}
        self.institutions = InstitutionResolver(self.registry, aliases)
        self._merged: dict[str, str] = {}
        self._split: dict[tuple[str, str], str] = {}
        for o in self.overrides:
            if o.kind != "institution":
                continue
            if o.op == "merge" and len(o.keys) > 1:
                for key in o.keys[1:]:
                    self._merged[key] = o.keys[0]
            elif o.op == "split" and o.keys:
                for paper in o.papers:
                    self._split[(paper, o.keys[0])] = split_key(o.keys[0], o.papers)
        self.author_overrides = [o for o in self.overrides if o.kind == "author"]
        self._facts: dict[str, tuple[tuple, list]] = {}

    @property
    def version(self) -> str:
        """What ids resolved by this resolver depend on besides the papers and the corrections:
        the resolution rules and the registry (stored with the ids; other ids are resolved again)."""
        return f"{RESOLUTION}:{self.registry.sha256}"

    def facts(self, record: dict) -> list:
        """The slot facts of a paper record (:func:`paperkg.graph.people.slot_facts`), kept while
        the record is unchanged: re-clustering a common name reads thousands of papers."""
        key = (tuple(record["authors"]), tuple(record.get("institution_ids") or ()), record.get("title"),
               record.get("category"), record.get("posted_at"),
               hashlib.blake2b((record.get("abstract") or "").encode(), digest_size=16).digest())
        found = self._facts.get(record["id"])
        if found is None or found[0] != key:
            found = (key, slot_facts(record, self.organisation_of))
            self._facts[record["id"]] = found
        return found[1]

    def institution_key(self, paper: str, written: str) -> str:
        key = self.institutions.key(written)
        for _ in range(len(self._merged) + 1):  # merges may chain
            if key not in self._merged:
                break
            key = self._merged[key]
        return self._split.get((paper, key), key)

    def institution_ids(self, record: dict) -> list[str]:
        return [self.institution_key(record["id"], name) for name in record["institutions"]]

    def organisation_of(self, key: str) -> str:
        """The top-level organisation of an institution key (itself when it has no parent);
        the papers' written names must have been seen first (:meth:`prime`)."""
        base = split_base(key) or key
        parent = self.institutions.resolve_key_parent(base)
        chain = self.registry.ancestors(parent) if parent else []
        return chain[-1] if chain else (parent or base)

    def prime(self, records: Iterable[dict]) -> None:
        """Resolve the written institution names of ``records`` once, so the parents of
        institutions the registry does not know are known whatever order papers come in."""
        for record in records:
            for name in record["institutions"]:
                self.institutions.resolve(name)

    def linked_keys(self, keys: set[str]) -> set[str]:
        """``keys`` and every written name a correction ties to one of them (transitively)."""
        found = set(keys)
        ties = [o.author_keys() for o in self.author_overrides]
        changed = True
        while changed:
            changed = False
            for tied in ties:
                if tied & found and not tied <= found:
                    found |= tied
                    changed = True
        return found


def resolve_papers(changed: dict[str, dict], removed: Iterable[dict], resolver: Resolver,
                   papers_with: PapersWithAuthors, names: Iterable[str] = ()) -> dict[str, dict]:
    """Records whose entity ids are new: every ``changed`` record (with its ids set) and every
    other stored paper whose author ids moved because the people of a name were re-clustered.

    ``changed``: paper key -> record (new or merged again); ``removed``: records gone from the
    library; ``papers_with(keys)``: the stored records carrying those written author names;
    ``names``: author keys to re-cluster besides those on the changed papers (a correction's)."""
    removed = list(removed)
    for record in changed.values():
        record["institution_ids"] = resolver.institution_ids(record)
    keys = {author_key(a) for r in (*changed.values(), *removed) for a in r["authors"]} | set(names)
    gone = {r["id"] for r in removed}
    pool: dict[str, dict] = {}

    def fetch(wanted: set[str]) -> None:
        for key, record in papers_with(wanted).items():
            if key not in gone and key not in changed:
                pool[key] = record
        pool.update(changed)

    fetch(keys)
    linked = resolver.linked_keys(keys)
    if linked != keys:
        fetch(linked - keys)
        keys = linked
    ids = assign_people(pool, keys, resolver)
    updated = dict(changed)
    for key, record in pool.items():
        count = len(record["authors"])
        before = record.get("author_ids") or [None] * count
        new = [ids.get((key, n), before[n - 1] if n <= len(before) else None) for n in range(1, count + 1)]
        if key in changed or new != record.get("author_ids"):
            updated[key] = {**record, "author_ids": new}
    return updated


def override_changes(before: Resolver, after: Resolver, records: Iterable[dict]) -> tuple[dict[str, dict], set[str]]:
    """What re-resolving for a change of corrections (``before`` -> ``after``) starts from: the
    records (by key) whose institution ids move, and the written author names either set of
    corrections touches (for :func:`resolve_papers`)."""
    moved = {record["id"]: dict(record) for record in records
             if after.institution_ids(record) != before.institution_ids(record)}
    names = {k for o in (*before.author_overrides, *after.author_overrides) for k in o.author_keys()}
    return moved, names


def assign_people(pool: dict[str, dict], keys: set[str], resolver: Resolver) -> dict[Slot, str]:
    """Slot -> person key for every slot of the written names ``keys`` in ``pool``."""
    resolver.prime(pool.values())
    groups: dict[str, list] = defaultdict(list)
    for record in pool.values():
        for facts in resolver.facts(record):
            name = author_key(facts.written)
            if name in keys:
                groups[name].append(facts)
    facts_of = {f.slot: f for found in groups.values() for f in found}
    partition = [[f.slot for f in person] for name in sorted(groups) for person in cluster(groups[name])]
    if resolver.author_overrides:
        partition = apply_author_overrides(partition, resolver.author_overrides, lambda s: facts_of[s].written
                                           if s in facts_of else "")
    assigned: dict[Slot, str] = {}
    by_anchor_name: dict[str, list[list]] = defaultdict(list)
    for person in partition:
        facts = [facts_of[s] for s in person]
        anchor = min(facts, key=lambda f: (f.posted_at or "~", f.slot))
        by_anchor_name[author_key(anchor.written)].append(facts)
    for people in by_anchor_name.values():
        assigned.update(people_of(people))
    return assigned


def entity_attributes(records: Iterable[dict], resolver: Resolver) -> dict[str, dict]:
    """Node id -> attributes of every author and institution the records name, plus the
    registry ancestors of their institutions (so ``PART_OF`` has both ends)."""
    spellings: dict[str, dict[str, int]] = {}  # plain dicts: this runs over every slot on load
    records = list(records)
    resolver.prime(records)
    for record in records:
        for names, ids, prefix in ((record["authors"], record.get("author_ids"), "author:"),
                                   (record["institutions"], record.get("institution_ids"), "institution:")):
            for name, key in zip(names, ids or ()):
                if key or prefix == "institution:":  # an author slot may be unassigned, an institution not
                    seen = spellings.get(prefix + key)
                    if seen is None:
                        spellings[prefix + key] = {name: 1}
                    else:
                        seen[name] = seen.get(name, 0) + 1
    nodes: dict[str, dict] = {}
    for node_id, seen in spellings.items():
        if len(seen) == 1:
            names = list(seen)
            display = names[0]
        else:
            names = sorted(seen)
            display = min(seen, key=lambda n: (-seen[n], n))
        if node_id.startswith("author:"):
            nodes[node_id] = {"kind": "author", "name": display, "names": names}
        else:
            nodes[node_id] = institution_node(node_id.split(":", 1)[1], display, names, resolver)
    for node_id in list(nodes):
        if node_id.startswith("institution:"):
            parent = nodes[node_id].get("parent")
            while parent and parent not in nodes:
                attrs = institution_node(parent.split(":", 1)[1], "", [], resolver)
                nodes[parent] = attrs
                parent = attrs.get("parent")
    return nodes


def institution_node(key: str, display: str, names: list[str], resolver: Resolver) -> dict:
    """An institution node: the registry's facts for a registry key, else the spelling seen most
    (with the registry organisation it names, if any, as parent)."""
    base = split_base(key) or key
    entry = resolver.registry.by_id.get(base)
    if entry is not None:
        parent = entry.parent if entry.parent in resolver.registry.by_id else None
        if base != key:  # split off a registry institution for some papers: part of it
            parent = base
        return {"kind": "institution", "name": entry.name if base == key else display or entry.name, "names": names,
                "ror": entry.ror, "country": entry.country, "type": entry.type,
                "parent": "institution:" + parent if parent else None}
    parent = resolver.institutions.resolve_key_parent(key)
    return {"kind": "institution", "name": display or key, "names": names, "ror": None, "country": None, "type": None,
            "parent": "institution:" + parent if parent else None}


def part_of_edges(nodes: dict[str, dict]) -> list[tuple[str, str, dict]]:
    """``(institution, parent, {"type": "PART_OF"})`` for every institution node with a parent."""
    return [(node_id, attrs["parent"], {"type": "PART_OF"}) for node_id, attrs in sorted(nodes.items())
            if attrs.get("kind") == "institution" and attrs.get("parent") in nodes]


__all__ = ["PapersWithAuthors", "Resolver", "assign_people", "entity_attributes", "institution_node",
           "override_changes", "part_of_edges", "resolve_papers", "target_slot"]
