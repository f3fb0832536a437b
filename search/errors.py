"""Search errors: one line each, naming the fix (exit code 2, see :mod:`paperkg.errors`);
and notices: one line about a slower or degraded way that still works."""
from __future__ import annotations

import warnings

from paperkg.errors import PaperkgError


class ModelNotice(UserWarning):
    """A one-line notice (the CLI prints it as ``paperkg: ...`` on stderr, once)."""


def first_line(exc: BaseException, limit: int = 200) -> str:
    """The first line of ``exc``'s message cut to ``limit`` characters (its type's name when it has none)."""
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:limit]


def notice(message: str) -> None:
    """Say once per process that something works, but not the usual way (never silently)."""
    warnings.warn(message, ModelNotice, stacklevel=2)


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


class PrecisionMismatch(PaperkgError):
    def __init__(self, name: str, built_with: str, asked: str):
        super().__init__(f"the search index holds {built_with}-precision vectors of {name!r} but precision {asked} is "
                         f"asked for; run `paperkg reindex --precision {asked}` to rebuild it (vectors of two "
                         "precisions never mix; the other precision's vectors stay cached)")


class PrecisionUnavailable(PaperkgError):
    def __init__(self, name: str, precision: str, reason: str):
        super().__init__(f"precision {precision} of {name!r} needs its OpenVINO build, which is unavailable ({reason}); "
                         "use --precision default (PAPERKG_PRECISION, or `precision` in config.toml) and run "
                         "`paperkg reindex`")


class ModelCacheUnusable(PaperkgError):
    def __init__(self, path, reason: str):
        super().__init__(f"the model cache {path} cannot be used ({reason}); move it aside, or set PAPERKG_CACHE "
                         "to a writable folder")


class ModelBroken(PaperkgError):
    def __init__(self, name: str, bad: int, total: int):
        super().__init__(f"embedding model {name!r} produced {bad} invalid vectors (not finite or not unit length) "
                         f"for {total} texts, so none were stored; its files are damaged: restore the model folder "
                         "(a built one in the model cache can be deleted: it is rebuilt) and run `paperkg reindex`")


class IndexCorrupt(PaperkgError):
    def __init__(self, path, reason: str):
        self.path, self.reason = path, reason
        super().__init__(f"{path}: unreadable search index ({reason}); run `paperkg reindex`")
