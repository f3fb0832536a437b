"""``paperkg search``, ``related`` and ``reindex`` as fresh processes: the JSON contract,
batch mode, tables, one-line errors, and model switching with an English-only model."""
from __future__ import annotations

import json

import pytest

from paperkg.search.manifest import read_manifest
from paperkg.search.texts import paper_texts

from tests.conftest import SAMPLE_DIGEST

pytestmark = pytest.mark.model

CONTRACT = ["id", "title", "title_zh", "score", "category", "authors", "author_ids", "institutions", "institution_ids",
            "posted_at", "snippet", "relevance", "match"]
#: How well a hit matches its query (search/relevance.py); related papers say it with strength and why instead.
MATCH_FIELDS = ["relevance", "match"]


def _ok(proc) -> str:
    assert proc.returncode == 0, proc.stderr.decode()
    return proc.stdout.decode()


def _one_line_error(proc, *needles: str) -> str:
    err = proc.stderr.decode().strip()
    assert proc.returncode == 2, (proc.returncode, err)
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, err
    return err


@pytest.mark.parametrize("mode", ["hybrid", "semantic", "keyword"])
def test_search_json_contract(cli, search_library, mode):
    hits = json.loads(_ok(cli("search", "扩散模型生成图像", "--mode", mode, "--json", home=search_library)))
    assert 1 <= len(hits) <= 10
    for hit in hits:
        assert list(hit) == CONTRACT
        assert isinstance(hit["score"], float) and isinstance(hit["authors"], list) and len(hit["id"]) == 16
        assert 0 <= hit["relevance"] <= 1 and hit["match"] in ("strong", "partial", "weak")
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    assert "Denoising Diffusion Probabilistic Models" in [h["title"] for h in hits[:5]]


def test_search_k_and_filters(cli, search_library, library_papers):
    hits = json.loads(_ok(cli("search", "learning", "-k", "3", "--category", "cv", "--json", home=search_library)))
    assert len(hits) == 3 and all(h["category"] == "CV" for h in hits)
    hits = json.loads(_ok(cli("search", "transformer", "-k", "100", "--since", "2021-03-10", "--json", home=search_library)))
    expected = {p["id"] for p in library_papers if p["posted_at"][:10] >= "2021-03-10"}
    assert {h["id"] for h in hits} == expected


def test_batch_prints_one_json_line_per_query_in_order(cli, search_library, tmp_path):
    queries = tmp_path / "queries.txt"
    queries.write_text("语音识别\n\ncontrastive learning\n", encoding="utf-8")
    lines = _ok(cli("search", "--batch", str(queries), "-k", "2", "--json", home=search_library)).splitlines()
    assert len(lines) == 3
    first, blank, third = (json.loads(line) for line in lines)
    assert len(first) == 2 and blank == [] and len(third) == 2
    single = json.loads(_ok(cli("search", "contrastive learning", "-k", "2", "--json", home=search_library)))
    assert [h["id"] for h in third] == [h["id"] for h in single]
    from_stdin = _ok(cli("search", "--batch", "-", "--json", home=search_library, input="语音识别\n".encode()))
    assert [h["id"] for h in json.loads(from_stdin)][:2] == [h["id"] for h in first]


def test_table_output_and_related(cli, search_library):
    wide = {"COLUMNS": "250"}
    out = _ok(cli("search", "Attention is Not All You Need", "-k", "3", home=search_library, env=wide))
    assert "Attention is Not All You Need" in out and "score" in out
    related = json.loads(_ok(cli("related", "Attention is Not All You Need", "-k", "4", "--json", home=search_library)))
    searched = json.loads(_ok(cli("search", "attention", "-k", "1", "--json", home=search_library)))
    assert len(related) == 4 and all(list(h) == [f for f in searched[0] if f not in MATCH_FIELDS] + ["strength", "why"]
                                     for h in related)
    assert set(CONTRACT) - set(MATCH_FIELDS) <= set(related[0])
    assert "Attention is Not All You Need: Pure Attention Loses Rank Doubly Exponentially with Depth" not in \
        [h["title"] for h in related]
    assert {h["strength"] for h in related} <= {"strong", "related", "weak"}
    reasons = [r for h in related for r in h["why"]]
    assert reasons and {r["kind"] for r in reasons} <= {"terms", "authors", "category", "meaning", "nearest"}
    assert all(r["terms"] and all(isinstance(t, str) for t in r["terms"]) for r in reasons if r["kind"] == "terms")
    table = _ok(cli("related", "注意力并不是万能的", "-k", "4", home=search_library, env=wide))
    assert "related to: Attention is Not All You Need" in table
    close = [h for h in related if h["strength"] != "weak"]
    assert ("strength" in table) and (bool(close) != ("no closely related paper in the library" in table))
    for hit in related:
        assert hit["id"] in table


def test_errors_are_one_line(cli, search_library, tmp_path):
    _one_line_error(cli("search", "x", "-k", "0", home=search_library), "-k")
    _one_line_error(cli("search", home=search_library), "QUERY")
    _one_line_error(cli("search", "--batch", str(tmp_path / "missing.txt"), home=search_library), "missing.txt")
    _one_line_error(cli("related", "no such paper at all zzz", home=search_library), "no such paper at all zzz")
    _one_line_error(cli("search", "x", "--since", "March", home=search_library), "March")
    _one_line_error(cli("search", "x", home=tmp_path / "empty"), "ingest")
    _one_line_error(cli("related", "x", home=tmp_path / "empty"), "ingest")


def test_english_only_model_by_folder_and_mixing_refused(cli, tmp_path, minilm_folder):
    """Default e5 on ingest, then reindex with the English-only PyPI MiniLM folder:
    searches use the index's model; naming another model is refused with the fix."""
    home = tmp_path / "library"
    _ok(cli("ingest", str(SAMPLE_DIGEST), home=home))
    assert read_manifest(home).model == "multilingual-e5-small"
    summary = json.loads(_ok(cli("reindex", "--model", str(minilm_folder), "--json", home=home)))
    assert summary["papers"] == 9 and summary["embedded"] > 0
    manifest = read_manifest(home)
    assert manifest.model == str(minilm_folder.resolve()) and manifest.dim == 384
    hits = json.loads(_ok(cli("search", "pure attention loses rank", "--mode", "semantic", "--json", home=home)))
    assert hits[0]["title"].startswith("Attention is Not All You Need")
    _one_line_error(cli("search", "x", "--model", "multilingual-e5-small", home=home), "reindex", "multilingual-e5-small")
    _one_line_error(cli("search", "x", home=home, env={"PAPERKG_MODEL": "multilingual-e5-small"}), "reindex")
    _one_line_error(cli("ingest", str(SAMPLE_DIGEST.parent / "001_c182c66747107c8b.txt"), home=home,
                        env={"PAPERKG_MODEL": "multilingual-e5-small"}), "ingested", "reindex")
    papers = json.loads(_ok(cli("papers", "--json", home=home)))
    new_texts = sum(len(paper_texts(p)) for p in papers if p["posted_at"][:10] != "2021-03-09")
    assert len(papers) > 9 and new_texts > 0
    again = json.loads(_ok(cli("reindex", "--model", str(minilm_folder), "--json", home=home)))
    assert again["papers"] == len(papers) and again["embedded"] == new_texts  # the first 9 come from the cache
    back = json.loads(_ok(cli("reindex", "--model", "multilingual-e5-small", "--json", home=home)))
    assert back["model"] == "multilingual-e5-small" and back["embedded"] == new_texts
    _one_line_error(cli("search", "x", "--model", str(tmp_path / "nowhere"), "--json", home=home), "reindex")
    _one_line_error(cli("reindex", "--model", str(tmp_path / "nowhere"), home=home), "nowhere")
