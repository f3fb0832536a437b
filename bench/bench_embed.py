"""Bulk embedding: torch fp32 (the reference), the fast path and int8, in one run.

    python -m bench.bench_embed [--rounds 5] [--papers 120] [--no-quality] [--no-memory]

Targets (issue 14): the fast path >= 3x torch fp32 (median of interleaved rounds)
with cosine >= 0.9999 to torch; int8 >= 5x, with its MRR@10 and recall@5 on the
evaluation set beside the default precision's; 50k real-length papers indexed in
<= 2 h on the default path; an ingest's peak memory not above the torch path's.

1. Raw encoders on the passages of the real digests (data/digests: real lengths),
   interleaved in rounds whose order rotates, so a shared machine's load drift
   hits every side alike: tokens/s, papers/s, ratio to torch, cosine to torch.
2. The pipeline (``update_index``: cache, batching, SQLite, faiss, keywords) on
   real-length papers (the real digests' papers, then copies with numbered titles;
   tests/synth.py's synthetic papers run ~35 % longer than the real ones), each
   group indexed incrementally like daily ingests, each run in a process of its
   own (interleaved rounds), the model loaded before the clock starts,
   extrapolated to 50k papers.
3. Quality: the sample library indexed at each precision, the 80 evaluation queries.
4. Peak memory: ``paperkg ingest`` of two digests as a fresh process, torch vs fast.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import orjson

from paperkg.graph.config import load_settings
from paperkg.graph.embedded import EmbeddedStore
from paperkg.ingest import read_inputs
from paperkg.search import fast_model, indexer
from paperkg.search.e5_model import DEFAULT_MODEL_NAME
from paperkg.search.models import PassageEncoder, TorchModel, fast_dir, model_key
from paperkg.search.texts import paper_texts
from tests.evaluation import ROOT, evaluate, load_queries, sample_library

DIGESTS = ROOT / "data" / "digests"


def digest_papers(tmp: Path) -> list[dict]:
    with EmbeddedStore(tmp / "real") as store:
        store.ingest(read_inputs([str(p) for p in sorted(DIGESTS.glob("*.txt"))]))
        return store.papers()


def copies(papers: list[dict], n: int) -> list[dict]:
    """``n`` real-length papers: the real ones, then copies whose titles carry a number (new
    texts for the embedding cache, the same lengths)."""
    out = []
    for i in range(n):
        paper = papers[i % len(papers)]
        round_ = i // len(papers)
        out.append(paper if round_ == 0 else {**paper, "id": f"{paper['id']}-{round_}",
                                              "title": f"{paper['title']} ({round_})",
                                              "title_zh": f"{paper['title_zh']}（{round_}）" if paper.get("title_zh") else ""})
    return out


def load_encoder(label: str, home: Path):
    """One of the three paths, loaded (building the fast ones into the model cache if needed)."""
    if label == "torch fp32":
        return TorchModel(DEFAULT_MODEL_NAME, home)
    precision = "int8" if label == "int8" else "default"
    t = time.perf_counter()
    model = PassageEncoder(model_key(DEFAULT_MODEL_NAME, precision), home).model()
    if not isinstance(model, fast_model.FastModel):
        raise SystemExit(f"the {precision} fast path is unavailable here; see the notice above")
    print(f"{label:<15} {fast_dir(DEFAULT_MODEL_NAME, precision, home).name}: ready in {time.perf_counter() - t:.1f} s "
          f"(build check: min cosine {model.meta['check']['min_cosine']:.6f}, built in "
          f"{model.meta['check']['build_s']} s), inference precision {model.inference_precision}", file=sys.stderr)
    return model


LABELS = ("torch fp32", "fast (default)", "int8")


def worker(label: str, home: Path, texts_file: Path, vectors_file: Path) -> int:
    """A process per path (torch's idle OpenMP threads would slow OpenVINO in the same process,
    and an ingest never has both): encode the texts on each ``go`` line, print the seconds."""
    texts = orjson.loads(texts_file.read_bytes())
    model = load_encoder(label, home)
    prompt = "passage: "
    model.encode(texts[:8], prompt)  # warm-up
    print("ready", flush=True)
    for line in sys.stdin:
        t = time.perf_counter()
        vectors = model.encode(texts, prompt)
        print(f"{time.perf_counter() - t:.4f}", flush=True)
        np.save(vectors_file, vectors, allow_pickle=False)
    return 0


def raw_rounds(texts: list[str], home: Path, tmp: Path, rounds: int) -> tuple[dict, dict]:
    """Seconds per round and the vectors, for each path, in rotating order."""
    texts_file = tmp / "texts.json"
    texts_file.write_bytes(orjson.dumps(texts))
    workers = {}
    for label in LABELS:
        vectors = tmp / f"vectors-{label.split()[0]}.npy"
        workers[label] = (subprocess.Popen(
            [sys.executable, "-m", "bench.bench_embed", "--worker", label, str(home), str(texts_file), str(vectors)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT), vectors)
        assert workers[label][0].stdout.readline().strip() == "ready", label
    seconds: dict[str, list[float]] = {label: [] for label in LABELS}
    for r in range(rounds):
        for label in LABELS[r % 3:] + LABELS[:r % 3]:
            proc = workers[label][0]
            proc.stdin.write("go\n")
            proc.stdin.flush()
            seconds[label].append(float(proc.stdout.readline()))
    vectors = {}
    for label, (proc, path) in workers.items():
        proc.stdin.close()
        proc.wait()
        vectors[label] = np.load(path)
    return seconds, vectors


def pipeline_worker(label: str, home: Path, papers_file: Path, library: Path, groups: int) -> int:
    """Print the papers/s of one pipeline run of ``label``'s encoder (a process of its own)."""
    if label == "torch fp32":
        encoder = PassageEncoder(DEFAULT_MODEL_NAME, home)
        encoder._model = load_encoder(label, home)
        encoder.prompts = encoder._model.prompts
    else:
        encoder = PassageEncoder(model_key(DEFAULT_MODEL_NAME, "int8" if label == "int8" else "default"), home)
    print(f"{pipeline_rate(encoder, orjson.loads(papers_file.read_bytes()), library, groups):.4f}")
    return 0


def pipeline_rate(encoder, papers: list[dict], home: Path, groups: int) -> float:
    """Papers/s of ``update_index`` (nothing cached), papers indexed in ``groups`` increments.
    The model is loaded first: a 50k-paper run loads it once (~2-4 s), which is not a rate."""
    encoder.model()
    indexer.ENCODER_FACTORY = lambda _name, _home: encoder
    try:
        settings = load_settings(str(home))
        bounds = [round(i * len(papers) / groups) for i in range(groups + 1)]
        t = time.perf_counter()
        embedded = sum(indexer.update_index(settings, papers[:bounds[g + 1]])["embedded"] for g in range(groups))
        seconds = time.perf_counter() - t
    finally:
        indexer.ENCODER_FACTORY = PassageEncoder
    assert embedded == sum(len(paper_texts(p)) for p in papers), embedded
    return len(papers) / seconds


def quality(tmp: Path) -> None:
    queries = load_queries()
    print(f"\n3. quality: the sample library ({len(list(DIGESTS.glob('*.txt')))} digests), "
          f"{len(queries)} evaluation queries, each precision end to end (its own passages and queries)")
    print(f"  {'precision':<10} {'mode':<9} MRR@10  recall@5")
    for precision in ("default", "int8"):
        os.environ["PAPERKG_PRECISION"] = precision
        try:
            home = sample_library(tmp / f"quality-{precision}")
            from paperkg.services import open_search

            with open_search(load_settings(str(home))) as opened:
                engine = opened.engine
                results = evaluate(engine, queries, modes=("semantic", "hybrid"))
                engine_name = engine.encoder.engine
        finally:
            os.environ.pop("PAPERKG_PRECISION", None)
        for mode, groups in results.items():
            print(f"  {precision:<10} {mode:<9} {groups['all']['mrr@10']:.3f}   {groups['all']['recall@5']:.3f}"
                  f"   (queries: {engine_name})")


_PEAK = """
import os, subprocess, sys
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
_, status, usage = os.wait4(proc.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss, proc.stderr.read().decode()[-300:].replace(chr(10), " "))
"""


def peak_ingest_rss(tmp: Path) -> None:
    """Each ingest is started by a bare Python (a forked child starts from its parent's peak)."""
    digests = [str(p) for p in sorted(DIGESTS.glob("*.txt"))[:2]]
    print("\n4. peak memory of `paperkg ingest` of two real digests (fresh process, model already built):")
    peaks = {}
    for label, encoder in (("torch fp32", "torch"), ("fast (default)", "")):
        home = tmp / f"rss-{encoder or 'fast'}"
        env = {**os.environ, "PAPERKG_ENCODER": encoder}
        t = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", _PEAK, sys.executable, "-m", "paperkg", "--home", str(home),
                               "ingest", *digests], capture_output=True, text=True, env=env, cwd=ROOT)
        seconds = time.perf_counter() - t
        code, peak, err = done.stdout.split(" ", 2)
        assert code == "0", err
        peaks[label] = int(peak) / 1024
        print(f"  {label:<15} peak RSS {peaks[label]:7.0f} MB   wall {seconds:5.1f} s")
    print(f"  RESULT peak RSS of an ingest: fast path {peaks['fast (default)']:.0f} MB, BASELINE torch path "
          f"{peaks['torch fp32']:.0f} MB (target: not above)")


def installed_size() -> None:
    import importlib.metadata as md

    total = 0
    for dist in ("openvino", "openvino-telemetry", "nncf", "ninja", "pydot", "pyparsing", "tabulate", "psutil"):
        try:
            files = md.distribution(dist).files or []
        except md.PackageNotFoundError:
            continue
        size = sum((Path(f.locate()).stat().st_size for f in files if Path(f.locate()).is_file()), 0)
        total += size
        print(f"  {dist:<20} {size / 1e6:7.1f} MB")
    print(f"  RESULT install growth for the fast path and int8: {total / 1e6:.0f} MB (target < 250 MB)")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds of the raw encoders")
    parser.add_argument("--papers", type=int, default=128, help="real-length papers for the pipeline figure")
    parser.add_argument("--groups", type=int, default=4)
    parser.add_argument("--pipeline-rounds", type=int, default=3)
    parser.add_argument("--no-quality", action="store_true")
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--worker", nargs=4, metavar=("LABEL", "HOME", "TEXTS", "VECTORS"), help=argparse.SUPPRESS)
    parser.add_argument("--pipeline-worker", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        label, home, texts, vectors = args.worker
        return worker(label, Path(home), Path(texts), Path(vectors))
    if args.pipeline_worker:
        label, home, papers_file, library, groups = args.pipeline_worker
        return pipeline_worker(label, Path(home), Path(papers_file), Path(library), int(groups))
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (shared: every side sees the same load)")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        home = tmp / "model-home"
        os.environ.setdefault("PAPERKG_CACHE", str(home / "cache"))
        for label in LABELS[1:]:
            load_encoder(label, home)  # built now if needed, outside the timed rounds
        fast = load_encoder("fast (default)", home)
        papers = digest_papers(tmp)
        texts = [t for p in papers for t in paper_texts(p).values()]
        tokens = sum(len(ids) for ids in fast.token_ids(["passage: " + t for t in texts]))
        print(f"\n1. raw encoders, one process each: {len(papers)} real papers, {len(texts)} passages, {tokens:,} tokens "
              f"({tokens / len(texts):.0f}/passage), {args.rounds} interleaved rounds")
        seconds, vectors = raw_rounds(texts, home, tmp, args.rounds)
        base = statistics.median(seconds["torch fp32"])
        for name, runs in seconds.items():
            median = statistics.median(runs)
            ratios = "/".join(f"{t / s:.2f}" for t, s in zip(seconds["torch fp32"], runs))
            cos = np.sum(vectors[name] * vectors["torch fp32"], axis=1)
            print(f"  {name:<15} {tokens / median:7.0f} tokens/s  {len(papers) / median:5.2f} papers/s  "
                  f"ratio {base / median:4.2f} (round by round {ratios})  cosine to torch min {cos.min():.6f} "
                  f"mean {cos.mean():.6f}")
        print(f"  RESULT fast path {base / statistics.median(seconds['fast (default)']):.2f}x torch fp32 (target >= 3), "
              f"int8 {base / statistics.median(seconds['int8']):.2f}x (target >= 5); medians of the rounds")

        synth = copies(papers, args.papers)
        print(f"\n2. pipeline (update_index, {args.groups} incremental groups) on {len(synth)} real-length papers "
              f"(the {len(papers)} real ones, then copies with numbered titles), extrapolated to 50,000:")
        papers_file = tmp / "pipeline-papers.json"
        papers_file.write_bytes(orjson.dumps(synth))
        runs: dict[str, list[float]] = {label: [] for label in LABELS}
        for r in range(args.pipeline_rounds):  # interleaved, rotating, each in its own process
            for label in LABELS[r % 3:] + LABELS[:r % 3]:
                library = tmp / f"pipeline-{label.split()[0]}-{r}"
                done = subprocess.run([sys.executable, "-m", "bench.bench_embed", "--pipeline-worker", label, str(home),
                                       str(papers_file), str(library), str(args.groups)],
                                      capture_output=True, text=True, cwd=ROOT, check=True)
                runs[label].append(float(done.stdout.split()[-1]))
        rates = {label: statistics.median(values) for label, values in runs.items()}
        for label in LABELS:
            print(f"  {label:<15} {rates[label]:5.2f} papers/s (rounds: {'/'.join(f'{v:.2f}' for v in runs[label])})"
                  f"   50k papers in {50_000 / rates[label] / 3600:4.1f} h")
        print(f"  RESULT 50k papers in {50_000 / rates['fast (default)'] / 3600:.1f} h on the default path "
              f"(target <= 2 h); int8 {50_000 / rates['int8'] / 3600:.1f} h; "
              f"BASELINE torch fp32 {50_000 / rates['torch fp32'] / 3600:.1f} h, same run")
        if not args.no_quality:
            quality(tmp)
        if not args.no_memory:
            peak_ingest_rss(tmp)
        print("\ninstalled size of what the fast path adds:")
        installed_size()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"\nload average at end: {os.getloadavg()[0]:.1f}; this process's peak RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
