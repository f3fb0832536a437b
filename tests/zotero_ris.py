"""What Zotero keeps of a RIS file: a faithful reading of Zotero's own RIS import translator.

Zotero cannot run here, and nothing fetched may be needed at test time, so this module
restates, for the RIS tags paperkg writes, how ``RIS.js`` of zotero/translators maps
them (read at commit 2814370161d05d799086825fac8d499db3a33aa3, "lastUpdated"
2026-01-05): ``importTypeMap`` (+ the reversed ``exportTypeMap``), ``fieldMap`` then
``degenerateImportFieldMap`` as ``TagMapper.getField`` walks them, ``processTag`` /
``applyValue`` / ``completeItem`` with the default ``RIS.import.ignoreUnknown = true``
(unknown and "unsupported" tags are dropped, not put in a note; ``ID`` is ignored unless
``RIS.import.keepID``), and fields not valid for the item type dropped on save (the valid
fields per type from zotero/zotero-schema ``schema.json`` version 41, commit
5eedf4402ea6e7393eaf16902b63f572f48707a7). This is a re-statement written for these
tests, not RIS.js's code. A tag outside the table raises, so nothing is mapped by guess.
"""
from __future__ import annotations

import html
import re

DEFAULT_IMPORT_TYPE = "journalArticle"

#: RIS TY -> Zotero item type, for the types these tests meet (RIS.js importTypeMap + exportTypeMap).
TYPES = {"JOUR": "journalArticle", "GEN": "journalArticle", "MANSCPT": "manuscript", "UNPD": "manuscript",
         "INPR": "manuscript", "RPRT": "report", "ELEC": "webpage", "BOOK": "book"}
# UNPB ("unpublished work", what paperkg wrote before) is in neither map: the default type.

#: RIS tag -> (fieldMap entry, degenerateImportFieldMap entry); an entry is a field name or a dict
#: {field: [item types]} with "__default"/"__exclude" as in RIS.js.
TAGS = {
    "TI": ({"__default": "title", "subject": ["email"], "caseName": ["case"], "nameOfAct": ["statute"]}, None),
    "AU": ({"__default": "creators/author", "creators/artist": ["artwork"], "creators/cartographer": ["map"],
            "creators/composer": ["audioRecording"],
            "creators/director": ["film", "radioBroadcast", "tvBroadcast", "videoRecording"],
            "creators/interviewee": ["interview"], "creators/inventor": ["patent"], "creators/podcaster": ["podcast"],
            "creators/programmer": ["computerProgram"]}, None),
    "AB": ("abstractNote", None),
    "KW": ("tags", None),
    "N1": ("notes", None),
    "UR": ("url", None),
    "DP": ("libraryCatalog", None),
    "DB": ("archive", None),
    "PY": ({"__default": "date", "dateEnacted": ["statute"], "dateDecided": ["case"], "issueDate": ["patent"]}, None),
    "DA": ({"__default": "date", "dateEnacted": ["statute"], "dateDecided": ["case"], "issueDate": ["patent"]}, None),
    "M3": ({"manuscriptType": ["manuscript"], "mapType": ["map"], "reportType": ["report"], "thesisType": ["thesis"],
            "websiteType": ["blogPost", "webpage"], "postType": ["forumPost"], "letterType": ["letter"],
            "interviewMedium": ["interview"], "presentationType": ["presentation"], "artworkMedium": ["artwork"],
            "audioFileType": ["podcast"]}, "DOI"),
    "M2": (None, "extra"),
    "AD": (None, {"__default": "unsupported/Author Address", "unsupported/Inventor Address": ["patent"]}),
    "TT": (None, "unsupported/Translated Title"),
    "ID": (None, "__ignore"),
}
#: Tags of degenerateImportFieldMap (processed after the others, "deprecated").
DEPRECATED = {tag for tag, (_, degenerate) in TAGS.items() if degenerate is not None}

#: Fields of the item types met here (zotero-schema schema.json v41), besides creators, tags and notes.
VALID_FIELDS = {
    "manuscript": {"title", "abstractNote", "manuscriptType", "institution", "place", "date", "numPages", "number",
                   "DOI", "citationKey", "url", "accessDate", "archive", "archiveLocation", "shortTitle", "language",
                   "libraryCatalog", "callNumber", "rights", "extra"},
    "journalArticle": {"title", "abstractNote", "publicationTitle", "publisher", "place", "date", "volume", "issue",
                       "section", "partNumber", "partTitle", "pages", "series", "seriesTitle", "seriesText",
                       "journalAbbreviation", "DOI", "citationKey", "url", "accessDate", "PMID", "PMCID", "ISSN",
                       "archive", "archiveLocation", "shortTitle", "language", "libraryCatalog", "callNumber",
                       "rights", "extra"},
}

_LINE = re.compile(r"^([A-Z][A-Z0-9]) {1,2}-(?: (.*))?$")
_DATE = re.compile(r"^(\d+)(?:/(\d{0,2})(?:/(\d{0,2})(?:(?:/|\s)([^/]*))?)?)?$")


def _entry_field(entry, item_type: str) -> str | None:
    if isinstance(entry, str):
        return entry
    if entry is None:
        return None
    excluded = item_type in entry.get("__exclude", [])
    for field, types in entry.items():
        if field not in ("__default", "__exclude") and item_type in types:
            return field
    return None if excluded else entry.get("__default")


def field_for(item_type: str, tag: str) -> str | None:
    """``TagMapper.getField`` over [fieldMap, degenerateImportFieldMap]."""
    if tag not in TAGS:
        raise KeyError(f"RIS tag {tag} is not in this reading of RIS.js; add it from RIS.js first")
    for entry in TAGS[tag]:
        field = _entry_field(entry, item_type)
        if field:
            return field
    return None


def _date(value: str) -> str:
    m = _DATE.match(value)
    if not m:
        return value
    parts = []
    for part in m.groups()[:3]:
        part = (part or "").lstrip("0")
        if not part:
            break
        parts.append(part)
    if not parts:
        return ""
    out = parts[0].rjust(4, "0")
    if len(parts) > 1:
        out += "-" + parts[1].rjust(2, "0")
        if len(parts) > 2:
            out += "-" + parts[2].rjust(2, "0")
    return out


def _note_html(value: str) -> str:
    if re.search(r"<[^>]+>", value):
        return value
    return "<p>" + value.replace("\n\n", "</p><p>").replace("\n", "<br/>").replace("\t", "&nbsp;" * 4) \
        .replace("  ", "&nbsp;&nbsp;") + "</p>"


def _entries(text: str) -> list[list[tuple[str, str]]]:
    entries, current = [], []
    for line in text.replace("\r\n", "\n").split("\n"):
        m = _LINE.match(line)
        if not m:
            continue  # paperkg writes one line per value
        tag, value = m.group(1), m.group(2) or ""
        if tag == "TY" and current:
            entries.append(current)
            current = []
        if tag == "ER":
            if current:
                entries.append(current)
            current = []
            continue
        current.append((tag, value))
    if current:
        entries.append(current)
    return entries


def import_ris(data: bytes) -> list[dict]:
    """The Zotero items a RIS file becomes with default settings: ``itemType``, ``fields``,
    ``creators`` (``{lastName, firstName}``), ``tags``, ``notes`` (HTML)."""
    items = []
    for entry in _entries(data.decode("utf-8")):
        types = [v.strip().upper() for t, v in entry if t == "TY"]
        item_type = TYPES.get(types[0], DEFAULT_IMPORT_TYPE) if types else DEFAULT_IMPORT_TYPE
        item = {"itemType": item_type, "fields": {}, "creators": [], "tags": [], "notes": []}
        backup_date = None
        ordered = [(t, v) for t, v in entry if t != "TY" and t not in DEPRECATED] + \
                  [(t, v) for t, v in entry if t != "TY" and t in DEPRECATED]
        for tag, raw in ordered:
            value = raw.strip()
            if not value:
                continue
            field = field_for(item_type, tag)
            if tag not in ("N1", "RN", "AB"):
                value = html.unescape(value)
            if tag == "PY":
                backup_date = _date(value)
                continue
            if tag == "M3" and field == "DOI" and not re.search(r"10\.\d{4,}/\S+", value):
                field = None  # ZU.cleanDOI finds no DOI: an unknown field
            if not field or field == "__ignore" or field.startswith("unsupported"):
                continue  # ignoreUnknown: dropped, no note
            if field == "notes":
                if item["fields"].get("title") != value:
                    item["notes"].append(_note_html(value))
            elif field.startswith("creators/"):
                last = re.split(r"\s*,\s*", value)[0]
                first = re.sub(r"^\s*,\s*", "", value[len(last):])
                item["creators"].append({"lastName": last, "firstName": first, "creatorType": field.split("/")[1]})
            elif field == "tags":
                tags = [t for t in re.split(r"\s*(?:[\r\n]+\s*)+(?:%K\s+)?|\s*(?:;\s*)+", value) if t]
                item["tags"] += tags
            elif field == "extra":
                extra = item["fields"].get("extra")
                item["fields"]["extra"] = value if not extra else extra + "\n" + value
            elif field not in VALID_FIELDS[item_type] and field != "DOI":
                continue  # not a field of this type: dropped when Zotero saves the item
            elif field == "date":
                item["fields"].setdefault("date", _date(value))
            else:
                item["fields"].setdefault(field, value)
        if backup_date is not None:
            if "date" not in item["fields"]:
                item["fields"]["date"] = backup_date
            else:
                item["fields"]["date"] = re.sub(r"\b0000\b", backup_date, item["fields"]["date"])
        if len(item["tags"]) == 1:
            item["tags"] = [t for t in re.split(r"\s*(?:,\s*)+", item["tags"][0]) if t]
        items.append(item)
    return items


def extra_fields(item: dict) -> dict[str, str]:
    """Zotero's Extra as ``Name: value`` lines (how Zotero's BibTeX export reads ``Citation Key``)."""
    lines = (item["fields"].get("extra") or "").split("\n")
    return {line.split(":", 1)[0].strip(): line.split(":", 1)[1].strip() for line in lines if ":" in line}
