"""Finding nodes by what people type: one set of rules for the CLI, the app and search.

A node is known by its labels: a paper by its English and Chinese titles, an
author or institution by its name and every spelling seen, a category by its
code and Chinese name, a digest by its name. :func:`resolve` turns text into
exactly one node id (or says which nodes it could mean, or what is close);
:func:`find` lists the nodes whose labels contain the text, for pickers.
"""
from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable

from paperkg.errors import AmbiguousName, UnknownNode
from paperkg.graph.model import normalise_title, paper_key

#: ``(node_id, labels)``: the labels of one node, its display label first.
Named = tuple[str, tuple[str, ...]]


def resolve(text: str, candidates: Iterable[Named], exists: Callable[[str], bool],
            kinds: tuple[str, ...], what: str | None = None) -> str:
    """The node ``text`` names: an id (``kind:key``), a paper key, an exact label (any case,
    either language), or — for papers — a unique fragment of a title.

    Raises :class:`~paperkg.errors.AmbiguousName` (several nodes) or
    :class:`~paperkg.errors.UnknownNode` (none; with close labels as suggestions)."""
    text = text.strip()
    kind = text.split(":", 1)[0] if ":" in text else ""
    if kind in kinds and exists(text):
        return text
    if "paper" in kinds:
        for node_id in ("paper:" + text, "paper:" + paper_key(text)):
            if text and exists(node_id):
                return node_id
    folded, norm = text.casefold(), normalise_title(text)
    exact: list[str] = []
    partial: list[str] = []
    display: dict[str, str] = {}
    for node_id, labels in candidates:
        if not labels:
            continue
        display[node_id] = labels[0]
        if folded and any(label.casefold() == folded for label in labels if label):
            exact.append(node_id)
        elif norm and node_id.startswith("paper:") and any(norm in normalise_title(label) for label in labels if label):
            partial.append(node_id)
    for found in (exact, partial):
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise AmbiguousName(text, found)
    raise UnknownNode(text, suggestions(text, display.values()), what or _what(kinds))


def suggestions(text: str, labels: Iterable[str], n: int = 5) -> list[str]:
    """Labels close to ``text`` (typos, other case), best first."""
    labels = list(dict.fromkeys(label for label in labels if label))
    by_fold: dict[str, str] = {}
    for label in labels:
        by_fold.setdefault(label.casefold(), label)
    close = difflib.get_close_matches(text.casefold(), list(by_fold), n=n, cutoff=0.6)
    return [by_fold[c] for c in close]


def find(text: str, candidates: Iterable[tuple[int, Named]], limit: int = 25) -> list[tuple[str, str]]:
    """``(node_id, display label)`` of nodes with a label containing ``text`` (any case): labels
    that start with it first, then by the rank given with each candidate (its kind's order)."""
    folded = text.strip().casefold()
    if not folded:
        return []
    found = []
    for rank, (node_id, labels) in candidates:
        hits = [pos for pos in (label.casefold().find(folded) for label in labels if label) if pos >= 0]
        if hits:
            found.append((min(hits) > 0, rank, labels[0], node_id))
    found.sort()
    return [(node_id, label) for _, _, label, node_id in found[:limit]]


def _what(kinds: tuple[str, ...]) -> str:
    names = [k for k in kinds if k != "digest"] or list(kinds)
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " or " + names[-1]
