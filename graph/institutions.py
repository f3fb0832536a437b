"""Institutions as entities: the curated registry, conservative name normalisation, resolution.

The registry (``data/institutions/*.jsonl``, installed as ``paperkg.data``) lists
real institutions: canonical name, aliases (acronyms, short and former names,
other languages), country, type (university, company, lab, institute), parent
(a lab belongs to its organisation) and ROR id where known. A name as written on
a paper resolves, in this order, to:

1. the institution the user aliased it to (``paperkg alias``);
2. the registry entry whose name or alias it equals after :func:`normalise`;
3. otherwise, an institution of its own, keyed by the normalised name: two spellings
   that differ only by case, punctuation, a leading "The", diacritics, "Univ." or
   spacing are one institution; anything else stays apart (look-alikes never merge).

Resolution is a pure function of the written name, the registry and the user's
aliases, so a paper's institution ids never depend on the other papers.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import orjson

#: What an institution is, as the registry says.
TYPES = ("university", "company", "lab", "institute")

_APOSTROPHES = re.compile("['’`´]")
_DOTTED_ACRONYM = re.compile(r"\b(?:[a-z]\.){2,}")  # m.i.t. -> mit, u.c. -> uc
_ABBREVIATIONS = {"univ": "university", "inst": "institute", "lab": "laboratory", "labs": "laboratories"}
_NOT_WORD = re.compile(r"[\W_]+")
#: Legal forms a company name may end with ("OpenAI, Inc.", "NVIDIA Corp."): not part of the identity.
LEGAL_FORMS = frozenset("inc incorporated corp corporation co ltd limited llc lp llp pbc plc gmbh ag bv pte pty".split())


def normalise(name: str) -> str:
    """The comparison form of an institution name: diacritics, case, apostrophes and other
    punctuation, a leading "the", dots in acronyms and spacing folded away; "&" read as "and";
    "Univ.", "Inst." and "Lab(s)" spelled out; a trailing legal form ("Inc.", "Corp.", "Ltd.")
    dropped, unless all that is left is one letter ("X Corp."). Chinese,
    Japanese and Korean text keeps its characters (NFKC folds full-width forms)."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", name))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = _DOTTED_ACRONYM.sub(lambda m: m.group().replace(".", ""), _APOSTROPHES.sub("", text)).replace("&", " and ")
    words = [_ABBREVIATIONS.get(w, w) for w in _NOT_WORD.sub(" ", text).split()]
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    while len(words) > 1 and words[-1] in LEGAL_FORMS and (len(words) > 2 or len(words[0]) > 1):
        words = words[:-1]  # "X Corp." keeps its "corp": a letter alone names no company
    return unicodedata.normalize("NFC", " ".join(words))


def slug(normalised: str) -> str:
    """An id key for a normalised name: words joined by hyphens (letters of any script kept)."""
    return normalised.replace(" ", "-")


@dataclass(frozen=True)
class Institution:
    """A registry entry."""

    id: str
    name: str
    aliases: tuple[str, ...]
    country: str | None
    type: str
    parent: str | None
    ror: str | None


class Registry:
    """The curated institutions, looked up by any of their names."""

    def __init__(self, entries: list[Institution]):
        self.by_id: dict[str, Institution] = {}
        self._by_name: dict[str, str] = {}
        for entry in entries:
            self.by_id.setdefault(entry.id, entry)
            for name in (entry.name, *entry.aliases):
                self._by_name.setdefault(normalise(name), entry.id)
        self.sha256 = hashlib.sha256(orjson.dumps(sorted(
            (e.id, e.name, e.aliases, e.country, e.type, e.parent, e.ror) for e in entries))).hexdigest()

    def __len__(self) -> int:
        return len(self.by_id)

    def lookup(self, written: str) -> Institution | None:
        """The registry entry ``written`` names, if any."""
        found = self._by_name.get(normalise(written))
        return self.by_id[found] if found else None

    def ancestors(self, key: str) -> list[str]:
        """Parent, grandparent, … of a registry id (nearest first)."""
        chain, seen = [], {key}
        parent = self.by_id[key].parent if key in self.by_id else None
        while parent and parent in self.by_id and parent not in seen:
            chain.append(parent)
            seen.add(parent)
            parent = self.by_id[parent].parent
        return chain

    def names(self) -> dict[str, str]:
        """Normalised name -> registry id, for suggestions."""
        return dict(self._by_name)


def parse_registry(lines: list[str]) -> list[Institution]:
    """Registry entries from JSON Lines (see ``data/institutions/``)."""
    entries = []
    for line in lines:
        if not line.strip():
            continue
        raw = orjson.loads(line)
        entries.append(Institution(id=raw["id"], name=raw["name"], aliases=tuple(raw.get("aliases") or ()),
                                   country=raw.get("country"), type=raw["kind"], parent=raw.get("parent"),
                                   ror=raw.get("ror")))
    return entries


@lru_cache(maxsize=1)
def registry() -> Registry:
    """The registry shipped with paperkg."""
    folder = resources.files("paperkg.data") / "institutions"
    lines: list[str] = []
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".jsonl"):
            lines.extend(item.read_text(encoding="utf-8").splitlines())
    return Registry(parse_registry(lines))


_PARENTHESIS = re.compile(r"^(?P<outer>[^()]+?)\s*[(（](?P<inner>[^()]*)[)）]\s*$")
#: Words that make a segment part of an organisation's name, not a place ("Boston, MA" is a place).
_ORG_WORDS = frozenset("""university universitat universite universidad universita college school institute
institut instituto laboratory laboratories lab labs department dept faculty centre center research group team
academy division program programme unit hospital foundation company corporation""".split())
#: What the rest of a longer registry name may start with, or hold, when it is no place.
_CONNECTIVES = frozenset("of for and the".split())
_NOT_PLACES = frozenset("""state system science sciences technology technologies technological engineering medicine
medical economics finance studies development project factory ai intelligence""".split())
_US_STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California", "CO": "Colorado",
    "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky",
    "LA": "Louisiana", "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota",
    "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire",
    "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York", "NC": "North Carolina", "ND": "North Dakota",
    "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island",
    "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont",
    "VA": "Virginia", "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming"}
_COUNTRY_NAMES = {
    "US": "USA|United States|United States of America|America|美国", "CN": "China|PR China|P.R. China|PRC|"
    "People's Republic of China|中国", "GB": "UK|United Kingdom|Great Britain|England|Scotland|Wales|Northern Ireland|英国",
    "DE": "Germany|Deutschland|德国", "JP": "Japan|日本", "CA": "Canada|Ontario|Quebec|British Columbia|Alberta|ON|QC|BC|AB|加拿大",
    "FR": "France|法国", "KR": "Korea|South Korea|Republic of Korea|韩国", "IN": "India|印度", "IT": "Italy|Italia",
    "AU": "Australia|澳大利亚", "NL": "Netherlands|The Netherlands", "ES": "Spain", "TW": "Taiwan|台湾",
    "CH": "Switzerland|瑞士", "RU": "Russia|Russian Federation", "IL": "Israel|以色列", "SE": "Sweden",
    "HK": "Hong Kong|Hong Kong SAR|香港", "SG": "Singapore|新加坡", "PT": "Portugal", "BE": "Belgium", "BR": "Brazil",
    "AE": "UAE|United Arab Emirates", "DK": "Denmark", "TR": "Turkey|Türkiye", "AT": "Austria", "PL": "Poland",
    "FI": "Finland", "NZ": "New Zealand", "IE": "Ireland", "NO": "Norway", "ZA": "South Africa", "GR": "Greece",
    "IR": "Iran", "CZ": "Czech Republic|Czechia", "SI": "Slovenia", "TH": "Thailand", "QA": "Qatar", "VN": "Vietnam",
    "ID": "Indonesia", "SA": "Saudi Arabia", "PK": "Pakistan", "MO": "Macau|Macao|澳门", "CL": "Chile", "MX": "Mexico",
    "LB": "Lebanon", "BD": "Bangladesh", "EG": "Egypt", "UG": "Uganda", "EE": "Estonia", "AR": "Argentina",
    "MY": "Malaysia", "LU": "Luxembourg", "HR": "Croatia"}


def _place_countries() -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    for code, state in _US_STATES.items():
        for name in (code, state):
            found.setdefault(normalise(name), set()).add("US")
    for code, names in _COUNTRY_NAMES.items():
        for name in (code, *names.split("|")):
            found.setdefault(normalise(name), set()).add(code)
    for name in ("china", "中国"):  # "Hong Kong, China", "Taipei, Taiwan, China"
        found[name] |= {"HK", "MO", "TW"}
    return {name: frozenset(codes) for name, codes in found.items()}


#: A written place that names a country, a US state or a Canadian province (normalised) -> the
#: countries it may mean ("CA": California or Canada).
PLACE_COUNTRIES = _place_countries()


@dataclass(frozen=True)
class Resolution:
    """Where a written name goes: an entity ``key``, and for a name the registry does not
    know, the registry ``parent`` it names (``"Department of CS, Stanford University"`` is
    its own institution, part of Stanford)."""

    key: str
    parent: str | None = None


class InstitutionResolver:
    """Written institution name -> entity (see the module docstring for the order).

    Beyond exact names, three shapes are read, each only when the registry recognises the
    organisation in them: ``"X (Y)"`` (an acronym in brackets), ``"Org, City, Country"``
    (trailing places), and ``"Sub-unit, Org"`` (a lab the registry lists under Org, or else
    an institution of its own, part of Org). ``aliases``: the user's aliases, normalised
    written name -> entity key."""

    def __init__(self, registry: Registry, aliases: dict[str, str] | None = None):
        self.registry = registry
        self.aliases = dict(aliases or {})
        self._cache: dict[str, Resolution] = {}
        self._parents: dict[str, str] = {}
        self._spaceless = _unique_index((norm.replace(" ", ""), key) for norm, key in registry.names().items())
        self._units = _unique_index(_unit_names(registry))

    def key(self, written: str) -> str:
        return self.resolve(written).key

    def resolve(self, written: str) -> Resolution:
        found = self._cache.get(written)
        if found is None:
            found = self._resolve(written)
            self._cache[written] = found
            if found.parent:
                self._parents[found.key] = found.parent
        return found

    def resolve_key_parent(self, key: str) -> str | None:
        """The registry parent of an entity key: the registry's own for a registry key, else the
        organisation named in the written names resolved so far that gave this key."""
        entry = self.registry.by_id.get(key)
        if entry is not None:
            return entry.parent
        return self._parents.get(key)

    def _known(self, text: str) -> str | None:
        """The user's alias or registry entry ``text`` names exactly (spacing aside)."""
        norm = normalise(text)
        if not norm:
            return None
        found = self.aliases.get(norm)
        if found is None:
            entry = self.registry.lookup(text)
            found = entry.id if entry else self._spaceless.get(norm.replace(" ", ""))
        return found

    def _resolve(self, written: str) -> Resolution:
        norm = normalise(written) or written.strip()
        known = self._known(written)
        if known:
            return Resolution(known)
        bracket = _PARENTHESIS.match(written)
        if bracket and (known := self._known(bracket.group("outer"))):
            return Resolution(known)
        segments = [part.strip() for part in written.split(",") if part.strip()]
        places = [_is_place(part) for part in segments]
        for i, segment in enumerate(segments) if len(segments) > 1 else ():
            before, after = segments[:i], segments[i + 1:]
            if not all(places[i + 1:]):
                continue
            org = self._known(segment)
            if not org or self._elsewhere(org, after):  # "Miami University, Oxford, OH": a town, not the university
                continue
            if not before:
                longer = self._known(f"{segment} {after[0]}")  # "Google Research, India" is Google Research India
                if longer and not self._elsewhere(longer, after):
                    return Resolution(longer)
                if self._has_namesake(org, segment, after):  # "Northeastern University, Shenyang" may be either
                    return Resolution(self._own_key(norm))
                return Resolution(org)
            unit = normalise(", ".join(before))
            lab = self._units.get((org, unit)) or self._known(f"{segment} {', '.join(before)}") \
                or self._known(f"{', '.join(before)} {segment}")
            if lab:
                return Resolution(lab)
            return Resolution(self._own_key(norm), parent=org)
        return Resolution(self._own_key(norm))

    def _elsewhere(self, key: str, places: list[str]) -> bool:
        """Whether one of the written ``places`` names a country (or a state, province) other
        than the registry's for ``key``: "Cambridge, MA" is not the University of Cambridge."""
        entry = self.registry.by_id.get(key)
        if entry is None or entry.country is None:
            return False
        return any((countries := PLACE_COUNTRIES.get(normalise(place))) and entry.country not in countries
                   for place in places)

    def _has_namesake(self, key: str, written: str, places: list[str]) -> bool:
        """Whether the registry holds another institution, not part of ``key``, named ``written``
        and a place ("Northeastern University (China)") and not ruled out by the written
        ``places`` (its country is not another): then the places written after the name may be
        what tells the two apart. "Zhejiang University of Technology" is no namesake."""
        prefix = normalise(written) + " "
        for name, other in self.registry.names().items():
            if other != key and name.startswith(prefix) and self._is_qualifier(name[len(prefix):]) \
                    and key not in self.registry.ancestors(other) and not self._elsewhere(other, places):
                return True
        return False

    def _is_qualifier(self, rest: str) -> bool:
        """Whether the rest of a registry name after a shorter one reads as a place: "china",
        "at dallas", "shenzhen"; not "of technology", "for ai", "state", "x" or "rakuten"
        (a registry institution of its own)."""
        words = rest.split()
        return _is_place(rest) and words[0] not in _CONNECTIVES and not any(w in _NOT_PLACES for w in words) \
            and any(len(w) > 2 or not w.isascii() for w in words) and rest not in self.registry.names()

    def _own_key(self, norm: str) -> str:
        """The key of an institution the registry does not know; never one of the registry's."""
        key = slug(norm)
        return key if key not in self.registry.by_id else key + "~name"

    def resolved(self, key: str) -> bool:
        """Whether ``key`` is a registry institution."""
        return key in self.registry.by_id

    def suggestions(self, written: str, n: int = 3) -> list[Institution]:
        """Registry institutions a name the registry does not know may mean: entries whose
        name is contained in it word for word (e.g. a department of a university), then
        close spellings."""
        import difflib

        norm = normalise(written)
        names = self.registry.names()
        padded = f" {norm} "
        contained = sorted({key for name, key in names.items() if len(name) > 3 and f" {name} " in padded},
                           key=lambda key: -len(self.registry.by_id[key].name))
        close = [names[name] for name in difflib.get_close_matches(norm, list(names), n=n, cutoff=0.8)]
        found = list(dict.fromkeys(contained + close))[:n]
        return [self.registry.by_id[key] for key in found]


def _is_place(segment: str) -> bool:
    """Whether a comma-separated segment reads as a place ("Mountain View", "CA", "USA"):
    a few words, none of them a word of an organisation's name, no digits."""
    words = normalise(segment).split()
    return 0 < len(words) <= 4 and not any(w in _ORG_WORDS or w.isdigit() for w in words)


def _unit_names(registry: Registry):
    """``((ancestor id, short name), lab id)`` for every lab: its names with an ancestor's
    name taken off the front or the back ("CMU Robotics Institute" under CMU is
    "robotics institute")."""
    for entry in registry.by_id.values():
        ancestors = registry.ancestors(entry.id)
        own = {normalise(n) for n in (entry.name, *entry.aliases)}
        for ancestor in ancestors:
            parent = registry.by_id[ancestor]
            for name in own:
                yield (ancestor, name), entry.id
                for outer in {normalise(n) for n in (parent.name, *parent.aliases)}:
                    if name.startswith(outer + " "):
                        yield (ancestor, name[len(outer) + 1:]), entry.id
                    elif name.endswith(" " + outer):
                        yield (ancestor, name[: -len(outer) - 1]), entry.id


def _unique_index(pairs) -> dict:
    """``key -> value`` for keys that map to one value only (ambiguous keys are left out)."""
    found: dict = {}
    clashes = set()
    for key, value in pairs:
        if key in found and found[key] != value:
            clashes.add(key)
        found.setdefault(key, value)
    return {k: v for k, v in found.items() if k not in clashes}
