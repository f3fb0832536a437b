"""The analyst's word on who is who: merge, split and alias, a thesaurus in and out,
the institutions the registry does not know, and the people sharing a name.

Each correction is stored with the store (the library or the Neo4j database),
applied after the automatic resolution, and the search index follows at once.
"""
from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass

from paperkg.errors import PaperkgError, UsageError
from paperkg.graph.base import Store
from paperkg.graph.config import Settings
from paperkg.graph.entities import Resolver
from paperkg.graph.factory import open_store
from paperkg.graph.filters import PaperFilter
from paperkg.graph.model import key_of, kind_of
from paperkg.graph.overrides import Override, split_base
from paperkg.graph.people import author_key
from paperkg.services.indexing import index_if_indexed

THESAURUS_HEADER = "label\treplace by"
#: What the corrections correct.
ENTITY_KINDS = ("author", "institution")


@dataclass
class Correction:
    """What a correction did: the correction, and the index update that followed."""

    override: Override
    index_error: str | None = None


def merge(settings: Settings, names_or_ids: list[str], wait: float = 0.0, store: Store | None = None,
          store_lock: AbstractContextManager | None = None) -> Correction:
    """These authors (or institutions) are one: the first keeps its id. ``store``: an open
    store to use (the app's), guarded by ``store_lock``; else the one ``settings`` names."""
    with _opened(settings, wait, store, store_lock) as store:
        ids = [store.resolve(n, kinds=ENTITY_KINDS) for n in names_or_ids]
        kinds = {kind_of(i) for i in ids}
        if len(ids) < 2 or len(set(ids)) < 2:
            raise UsageError("merge needs two or more different authors or institutions, e.g. "
                             "paperkg merge 'author:Y Li' 'author:Y Li~3fa1c2'")
        if len(kinds) != 1:
            raise UsageError(f"cannot merge an author with an institution: {', '.join(ids)}")
        if kinds == {"author"}:
            people = [_person(store, i) for i in ids]
            override = Override("merge", "author", slots=tuple(anchor for anchor, _ in people),
                                names=tuple(sorted({k for _, names in people for k in names})))
        else:
            override = Override("merge", "institution", keys=tuple(key_of(i) for i in ids))
        return _apply(settings, store, override, wait)


def split(settings: Settings, name_or_id: str, papers: list[str], wait: float = 0.0, store: Store | None = None,
          store_lock: AbstractContextManager | None = None) -> Correction:
    """These papers of an author (or institution) belong to someone (or something) else."""
    with _opened(settings, wait, store, store_lock) as store:
        entity = store.resolve(name_or_id, kinds=ENTITY_KINDS)
        keys = [key_of(store.resolve(p, kinds=("paper",))) for p in papers]
        if not keys:
            raise UsageError("split needs the papers to split off: --papers ID_OR_TITLE ...")
        mine = {key_of(n) for n, _, _ in store.neighbours(entity, ["AUTHORED", "AFFILIATED"])}
        foreign = [k for k in keys if k not in mine]
        if foreign:
            raise UsageError(f"{entity} is not on paper {foreign[0]}; name papers of its own (paperkg show {entity!r})")
        if kind_of(entity) == "author":
            person = key_of(entity)
            slots = tuple((p["id"], n) for p in store.papers(ids=keys)
                          for n, a in enumerate(p["author_ids"], start=1) if a == person)
            override = Override("split", "author", slots=slots, names=tuple(_person(store, entity)[1]))
        else:
            override = Override("split", "institution", keys=(key_of(entity),), papers=tuple(keys))
        return _apply(settings, store, override, wait)


def alias(settings: Settings, written: str, name_or_id: str, wait: float = 0.0, store: Store | None = None,
          store_lock: AbstractContextManager | None = None) -> Correction:
    """A name as written is this author (every slot so written) or this institution."""
    if not written.strip():
        raise UsageError("alias needs the name as written, e.g. paperkg alias 'Univ. of X' institution:x")
    with _opened(settings, wait, store, store_lock) as store:
        override = _alias_override(store, written.strip(), store.resolve(name_or_id, kinds=ENTITY_KINDS))
        return _apply(settings, store, override, wait)


def corrections(settings: Settings, store: Store | None = None,
                store_lock: AbstractContextManager | None = None) -> list[Override]:
    with _opened(settings, 0.0, store, store_lock) as store:
        return store.overrides()


def export_thesaurus(settings: Settings, kind: str = "institution", every_spelling: bool = False) -> str:
    """A VOSviewer thesaurus (``label<TAB>replace by``): the analyst's aliases and merges of
    ``kind``, and with ``every_spelling`` every spelling seen of each entity with its name."""
    with open_store(settings) as store:
        lines: dict[str, str] = {}
        nodes = dict(store.nodes(kind))
        for override in store.overrides():
            if override.kind != kind:
                continue
            if override.op == "alias" and kind == "institution":
                lines[override.written] = _label(nodes, f"institution:{override.target}")
            elif override.op == "alias":  # a person: their id (names are shared)
                person = _person_at(store, override.target)
                lines[override.written] = f"author:{person}" if person else ""
            elif override.op == "merge" and kind == "institution":
                kept = _label(nodes, f"institution:{override.keys[0]}")
                for key in override.keys[1:]:
                    for spelling in (nodes.get(f"institution:{key}") or {}).get("names", ()) or [key]:
                        lines[spelling] = kept
        if every_spelling:
            for node_id, attrs in nodes.items():
                for spelling in attrs.get("names", ()):
                    if spelling != attrs.get("name"):
                        lines.setdefault(spelling, attrs.get("name") if kind == "institution" else node_id)
    out = io.StringIO()
    out.write(THESAURUS_HEADER + "\n")
    for label, target in sorted(lines.items()):
        if target:
            out.write(f"{_cell(label)}\t{_cell(target)}\n")
    return out.getvalue()


def import_thesaurus(settings: Settings, text: str, source: str, kind: str = "institution",
                     wait: float = 0.0) -> tuple[int, list[str]]:
    """Aliases from a thesaurus: each ``label`` becomes the entity ``replace by`` names (an
    id or a name). Returns how many were stored and one problem line per line refused."""
    problems: list[str] = []
    overrides: list[Override] = []
    with open_store(settings, wait=wait) as store:
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip() or (number == 1 and line.strip().lower().replace(" ", "") == "label\treplaceby"):
                continue
            parts = line.split("\t")
            if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
                problems.append(f"{source}:{number}: expected 'label<TAB>replace by'; line skipped")
                continue
            written, target = parts[0].strip(), parts[1].strip()
            try:
                entity = store.resolve(target, kinds=(kind,))
            except PaperkgError as exc:
                problems.append(f"{source}:{number}: {exc}; line skipped")
                continue
            overrides.append(_alias_override(store, written, entity))
        if overrides:
            store.add_overrides(overrides, wait=wait)
            why = index_if_indexed(settings, store)
            if why:
                problems.append(why)
    return len(overrides), problems


@dataclass
class Unresolved:
    id: str
    name: str
    papers: int
    suggestions: list[dict]  # [{id, name}]


def paper_counts(store: Store, kind: str, filters: PaperFilter | None = None) -> Counter:
    """How many papers (matching ``filters``) each author or institution is on, by key: a paper
    counts once for each entity it names, however often it names it. An institution counts its
    own papers (its page adds its sub-units')."""
    field = "author_ids" if kind == "author" else "institution_ids"
    return Counter(k for p in store.papers(filters) for k in set(p.get(field) or ()))


def institutions(settings: Settings) -> list[dict]:
    """Every institution (``{id, papers, **attributes}``), most papers first (``paperkg institutions``)."""
    with open_store(settings) as store:
        counts = paper_counts(store, "institution")
        rows = sorted(((counts.get(key_of(n), 0), n, a) for n, a in store.nodes("institution")),
                      key=lambda r: (-r[0], r[1]))
    return [{"id": n, "papers": c, **a} for c, n, a in rows]


def unresolved_institutions(settings: Settings, store: Store | None = None,
                            store_lock: AbstractContextManager | None = None) -> list[Unresolved]:
    """Institutions the registry does not know, most papers first, with the registry entries
    they may be (``paperkg alias NAME ID`` makes one of them so)."""
    resolver = Resolver()
    with _opened(settings, 0.0, store, store_lock) as store:
        counts = paper_counts(store, "institution")
        found = []
        for node_id, attrs in store.nodes("institution"):
            key = key_of(node_id)
            if resolver.registry.by_id.get(split_base(key) or key) is not None:
                continue
            hints = resolver.institutions.suggestions(attrs.get("name") or key)
            found.append(Unresolved(node_id, attrs.get("name") or key, counts.get(key, 0),
                                    [{"id": "institution:" + h.id, "name": h.name} for h in hints]))
    return sorted(found, key=lambda u: (-u.papers, u.name))


def people_named(store: Store, candidates: list[str]) -> list[dict]:
    """What tells apart the people among ``candidates`` (node ids): their institutions, paper
    count and top co-authors."""
    from paperkg.graph.views import show

    people = []
    for node_id in candidates:
        if kind_of(node_id) != "author":
            continue
        shown = show(store, node_id)
        people.append({"id": node_id, "name": shown["name"], "papers": len(shown["papers"]),
                       "institutions": [i["name"] for i in shown["institutions"][:3]],
                       "coauthors": [c["name"] for c in shown["coauthors"][:5]]})
    return sorted(people, key=lambda p: (-p["papers"], p["id"]))


# -- helpers ---------------------------------------------------------------------------------------
@contextmanager
def _opened(settings: Settings, wait: float, store: Store | None,
            store_lock: AbstractContextManager | None) -> Iterator[Store]:
    """``store`` (the app's, already open) held under ``store_lock``, else the store ``settings``
    names, opened for this call."""
    if store is not None:
        with store_lock or nullcontext():
            yield store
        return
    with open_store(settings, wait=wait) as opened:
        yield opened


def _apply(settings: Settings, store: Store, override: Override, wait: float) -> Correction:
    store.add_overrides([override], wait=wait)
    return Correction(override, index_if_indexed(settings, store))


def _alias_override(store: Store, written: str, entity: str) -> Override:
    """The correction saying ``written`` is ``entity``: for a person, every slot so written
    (anchored at their first slot; names are shared), for an institution its key."""
    if kind_of(entity) != "author":
        return Override("alias", "institution", written=written, target=key_of(entity))
    (paper, position), names = _person(store, entity)
    return Override("alias", "author", written=written, target=f"{paper}:{position}",
                    names=tuple(sorted({author_key(written), *names})))


def _person(store: Store, person: str) -> tuple[tuple[str, int], list[str]]:
    """A person's first slot ``(paper key, position)`` (the oldest paper, then the lowest key) and
    the keys of the names they are written as, from one read of their papers."""
    key = key_of(person)
    papers = store.papers(ids=sorted({key_of(n) for n, _, _ in store.neighbours(person, ["AUTHORED"])}))
    slots = sorted((p["posted_at"] or "~", p["id"], n) for p in papers
                   for n, a in enumerate(p["author_ids"], start=1) if a == key)
    if not slots:
        raise UsageError(f"{person} has no papers")
    names = sorted({author_key(a) for p in papers for a, i in zip(p["authors"], p["author_ids"]) if i == key})
    _, paper, position = slots[0]
    return (paper, position), names


def _person_at(store: Store, target: str) -> str | None:
    paper, _, position = target.rpartition(":")
    found = store.papers(ids=[paper])
    if not found or not position.isdigit() or not 0 < int(position) <= len(found[0]["author_ids"]):
        return None
    return found[0]["author_ids"][int(position) - 1]


def _label(nodes: dict[str, dict], node_id: str) -> str:
    attrs = nodes.get(node_id)
    return (attrs or {}).get("name") or node_id


def _cell(text: str) -> str:
    return " ".join(str(text).replace("\t", " ").split())
