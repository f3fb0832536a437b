"""Search errors: one line each, naming the fix (exit code 2 like every StoreError)."""
from __future__ import annotations

from graph.base import StoreError


class EmptyLibrary(StoreError):
    def __init__(self, home):
        super().__init__(f"the library {home} has no papers yet; run `paperkg ingest DIGEST_FILE...` first")


class IndexMissing(StoreError):
    def __init__(self, home):
        super().__init__(f"the library {home} has papers but no search index; run `paperkg reindex`")


class ModelMismatch(StoreError):
    def __init__(self, built_with: str, configured: str):
        super().__init__(f"the search index was built with model {built_with!r} but {configured!r} is configured; "
                         f"run `paperkg reindex` to rebuild it with {configured!r} (vectors of two models never mix)")


class ModelUnavailable(StoreError):
    def __init__(self, name: str, reason: str):
        super().__init__(f"cannot load embedding model {name!r}: {reason}; give a local sentence-transformers "
                         "folder or an installed model name (--model, PAPERKG_MODEL or `model` in config.toml)")


class IndexCorrupt(StoreError):
    def __init__(self, path, reason: str):
        super().__init__(f"{path}: unreadable search index ({reason}); run `paperkg reindex`")
