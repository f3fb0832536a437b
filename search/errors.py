"""Search errors: one line each, naming the fix (exit code 2, see :mod:`paperkg.errors`)."""
from __future__ import annotations

from paperkg.errors import PaperkgError


class EmptyLibrary(PaperkgError):
    def __init__(self, home):
        super().__init__(f"the library {home} has no papers yet; run `paperkg ingest DIGEST_FILE...` first")


class IndexMissing(PaperkgError):
    def __init__(self, home):
        super().__init__(f"the library {home} has papers but no search index; run `paperkg reindex`")


class ModelMismatch(PaperkgError):
    def __init__(self, built_with: str, configured: str):
        super().__init__(f"the search index was built with model {built_with!r} but {configured!r} is configured; "
                         f"run `paperkg reindex` to rebuild it with {configured!r} (vectors of two models never mix)")


class ModelUnavailable(PaperkgError):
    def __init__(self, name: str, reason: str):
        super().__init__(f"cannot load embedding model {name!r}: {reason}; give a local sentence-transformers "
                         "folder or an installed model name (--model, PAPERKG_MODEL or `model` in config.toml)")


class IndexCorrupt(PaperkgError):
    def __init__(self, path, reason: str):
        super().__init__(f"{path}: unreadable search index ({reason}); run `paperkg reindex`")
