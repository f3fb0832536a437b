"""Compile a sentence-transformers model with OpenVINO and verify it against torch (a child process).

    python -m paperkg.search.fast_build SOURCE FOLDER PRECISION THRESHOLD

sentence-transformers loads and validates ``SOURCE`` exactly as the torch path
does; its whole module pipeline (transformer, pooling, dense, normalise) is
traced into one OpenVINO model, so whatever the folder configures is what gets
compiled. ``int8`` then runs nncf's static quantisation on
:func:`paperkg.search.check_texts.calibration_texts` (no download). The result
is checked with the runtime that will serve it (:class:`FastModel`): token ids
equal to sentence-transformers' own on every check text, and vectors with
cosine >= THRESHOLD to torch's; only then is the folder renamed into place
(crash-safe: a build dies in its temporary folder). A failed check writes
``FOLDER.failed.json`` with the reason and exits 3.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np
import orjson

from paperkg.diskio import atomic_write_bytes
from paperkg.search import model_files
from paperkg.search.check_texts import CHECK_TEXTS, calibration_texts
from paperkg.search.errors import first_line
from paperkg.search.fast_model import FastModel, runtime_version
from paperkg.search.models import st_dim, st_prompts

INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")


class CheckFailed(Exception):
    pass


def _pipeline(st):
    import torch

    class Pipeline(torch.nn.Module):
        """The SentenceTransformer's forward, from token tensors to the sentence embedding."""

        def __init__(self):
            super().__init__()
            self.st = st

        def forward(self, input_ids, attention_mask, token_type_ids=None):
            features = {"input_ids": input_ids, "attention_mask": attention_mask}
            if token_type_ids is not None:
                features["token_type_ids"] = token_type_ids
            return self.st(features)["sentence_embedding"]

    return Pipeline().eval()


def build(source: str, out: Path, precision: str, threshold: float) -> dict:
    """Build into the empty folder ``out``; returns its meta (raises :class:`CheckFailed`)."""
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(os.cpu_count() or 1)
    started = time.perf_counter()
    st = SentenceTransformer(source, device="cpu", local_files_only=True)  # failing here is not the build's fault
    try:
        return _compile_and_check(st, source, out, precision, threshold, started)
    except (CheckFailed, OSError, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - OpenVINO cannot convert this model: say so once, not every run
        raise CheckFailed(f"OpenVINO cannot compile {source} ({first_line(exc)})") from exc


def _compile_and_check(st, source: str, out: Path, precision: str, threshold: float, started: float) -> dict:
    import openvino as ov
    import torch

    tokenizer = st.tokenizer
    if not getattr(tokenizer, "is_fast", False):
        raise CheckFailed(f"{source} has no fast tokenizer (tokenizer.json), which the fast path needs")
    tokenizer.backend_tokenizer.save(str(out / "tokenizer.json"))
    names = [n for n in INPUT_NAMES if n in tokenizer.model_input_names]
    example = tokenizer(["passage: a short text", "passage: a longer text, with a few more tokens in it"],
                        padding=True, return_tensors="pt")
    with torch.no_grad():
        model = ov.convert_model(_pipeline(st), example_input={n: example[n] for n in names})
    prompts = st_prompts(st, source)
    transformer = st[0]
    meta = {"source": source, "precision": precision, "dim": st_dim(st),
            "prompts": prompts, "max_seq_length": int(st.max_seq_length),
            "lower": bool(getattr(transformer, "do_lower_case", False)), "inputs": names,
            "pad_id": int(tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0),
            "built_with": {"openvino": runtime_version(), "torch": torch.__version__}}
    passages = [prompts.get("passage", "") + t for t in CHECK_TEXTS]
    queries = [prompts.get("query", "") + t for t in CHECK_TEXTS[:8]]
    if precision == "int8":
        model = _quantized(model, tokenizer, names, [prompts.get("passage", "") + t for t in calibration_texts()],
                           meta["max_seq_length"])
    ov.save_model(model, str(out / "model.xml"), compress_to_fp16=False)  # the default would halve the weights
    (out / "meta.json").write_bytes(orjson.dumps(meta))

    reference = st.encode(passages + queries, batch_size=32, convert_to_numpy=True, normalize_embeddings=True)
    preprocess = getattr(st, "preprocess", None) or st.tokenize  # renamed in sentence-transformers 6
    want_ids = preprocess(passages + queries)["input_ids"].tolist()
    fast = FastModel(out)
    got_ids = fast.token_ids(passages + queries)
    for text, want, got in zip(passages + queries, want_ids, got_ids):
        if [i for i in want if i != meta["pad_id"]] != [i for i in got if i != meta["pad_id"]]:
            raise CheckFailed(f"its tokenizer.json splits {text[:40]!r} differently from sentence-transformers")
    vectors = fast.encode(passages + queries)
    cosines = np.sum(vectors * reference, axis=1)
    meta["check"] = {"texts": len(cosines), "min_cosine": round(float(cosines.min()), 7),
                     "mean_cosine": round(float(cosines.mean()), 7), "threshold": threshold,
                     "inference_precision": fast.inference_precision,
                     "build_s": round(time.perf_counter() - started, 1)}
    if not np.isfinite(cosines).all() or cosines.min() < threshold:
        raise CheckFailed(f"the {precision} compilation of {source} is too far from torch on the check texts "
                          f"(min cosine {float(cosines.min()):.6f} < {threshold})")
    (out / "meta.json").write_bytes(orjson.dumps(meta, option=orjson.OPT_INDENT_2))
    return meta


def _quantized(model, tokenizer, names, texts: list[str], max_len: int):
    import nncf

    samples = []
    for text in texts:
        encoded = tokenizer([text], truncation=True, max_length=max_len, return_tensors="np")
        samples.append({n: encoded[n].astype(np.int64) for n in names})
    return nncf.quantize(model, nncf.Dataset(samples), model_type=nncf.ModelType.TRANSFORMER,
                         subset_size=len(samples))


def main(argv: list[str]) -> int:
    """Build ``FOLDER``. The caller (:func:`paperkg.search.fast_model.ensure`) holds the key's
    build lock, so every other temporary folder of this key is a killed build's (swept at once),
    and an existing ``FOLDER`` is one it found damaged or unloadable (replaced)."""
    source, folder, precision, threshold = argv[0], Path(argv[1]), argv[2], float(argv[3])
    try:
        with model_files.building(folder, stale_after=0, replace=True) as tmp:
            build(source, tmp, precision, threshold)
    except CheckFailed as exc:
        atomic_write_bytes(folder.with_name(folder.name + ".failed.json"),
                           orjson.dumps({"reason": str(exc), "openvino": runtime_version()}))
        print(exc, file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
