"""The analyst's corrections to entity resolution: merge, split and alias.

Corrections are stored in the library (and in Neo4j) in the order they were
made and applied after the automatic resolution, so they survive re-ingest,
reindex and sync. They refer to what does not change: author *slots* (paper key
and position) and institution entity keys, never to person ids (which follow
from the slots).

* ``merge`` authors: the people holding these slots are one person;
  institutions: these entities are one (the first keeps its id).
* ``split`` authors: these slots are a person of their own;
  institutions: these papers' affiliations with that entity are an institution
  of their own.
* ``alias`` authors: every slot of this written name belongs to the person
  holding the target slot; institutions: this written name is that entity.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import orjson

from paperkg.graph.people import Slot, author_key

OPS = ("merge", "split", "alias")
ENTITY_KINDS = ("author", "institution")


@dataclass(frozen=True)
class Override:
    op: str  # merge, split, alias
    kind: str  # author, institution
    slots: tuple[Slot, ...] = ()  # authors: the slots named (merge: one per person; split: the slots to split off)
    keys: tuple[str, ...] = ()  # institutions: entity keys (merge: all; split: the one split)
    papers: tuple[str, ...] = ()  # institution split: the papers whose affiliation is split off
    written: str = ""  # alias: the name as written
    target: str = ""  # alias: an institution key, or an author slot as "paper:position"
    names: tuple[str, ...] = ()  # authors: the written names (author keys) of the people it touches
    seq: int = field(default=0, compare=False)  # order of making (set by the store)

    def to_json(self) -> str:
        data = {"op": self.op, "kind": self.kind}
        for name in ("slots", "keys", "papers", "written", "target", "names"):
            value = getattr(self, name)
            if value:
                data[name] = [list(s) for s in value] if name == "slots" else value
        return orjson.dumps(data, option=orjson.OPT_SORT_KEYS).decode()

    @classmethod
    def from_json(cls, text: str, seq: int = 0) -> "Override":
        raw = orjson.loads(text)
        return cls(op=raw["op"], kind=raw["kind"], slots=tuple((p, int(n)) for p, n in raw.get("slots", ())),
                   keys=tuple(raw.get("keys", ())), papers=tuple(raw.get("papers", ())),
                   written=raw.get("written", ""), target=raw.get("target", ""), names=tuple(raw.get("names", ())),
                   seq=seq)

    def author_keys(self) -> set[str]:
        """The written author names an author correction touches."""
        found = set(self.names)
        if self.op == "alias":
            found.add(author_key(self.written))
        return found


def target_slot(target: str) -> Slot | None:
    paper, _, position = target.rpartition(":")
    return (paper, int(position)) if paper and position.isdigit() else None


def split_key(key: str, papers: Iterable[str]) -> str:
    """The key of an institution split off ``key`` for some papers."""
    digest = hashlib.sha1(("|".join(sorted(papers))).encode()).hexdigest()[:6]
    return f"{key}~{digest}"


_SPLIT = re.compile(r"^(?P<base>.+)~[0-9a-f]{6}$")


def split_base(key: str) -> str | None:
    """The institution key that ``key`` was split off (see :func:`split_key`), or ``None`` when it is
    no split: the ``~name`` of an institution the registry does not know is no split."""
    found = _SPLIT.match(key)
    return found.group("base") if found else None


def apply_author_overrides(partition: list[list[Slot]], overrides: list[Override], written_of) -> list[list[Slot]]:
    """The people after the analyst's corrections, applied in the order they were made to
    the automatic ``partition`` (lists of slots). Slots named by a correction that are not
    in the partition (a paper since removed) are skipped."""
    group: dict[Slot, int] = {}
    members: dict[int, list[Slot]] = {}
    for n, person in enumerate(partition):
        members[n] = list(person)
        group.update((s, n) for s in person)
    fresh = len(partition)

    def move(slots: list[Slot], into: int) -> None:
        for slot in slots:
            old = group[slot]
            if old == into:
                continue
            members[old].remove(slot)
            members.setdefault(into, []).append(slot)
            group[slot] = into

    for override in sorted((o for o in overrides if o.kind == "author"), key=lambda o: o.seq):
        present = [s for s in override.slots if s in group]
        if override.op == "merge" and len(present) > 1:
            into = group[present[0]]
            for slot in present[1:]:
                move(list(members[group[slot]]), into)
        elif override.op == "split" and present:
            move(present, fresh)
            fresh += 1
        elif override.op == "alias":
            target = target_slot(override.target)
            if target in group:
                key = author_key(override.written)
                move([s for s in group if author_key(written_of(s)) == key and s != target], group[target])
    return [sorted(slots) for slots in members.values() if slots]
