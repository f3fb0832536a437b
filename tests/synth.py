"""Synthetic digests in the exact format of the real ones, for benchmarks and tests.

Authors and institutions are drawn Zipf-distributed from large pools (a few
prolific labs and authors, a long tail), text lengths follow the real digest:
Chinese titles of 10–30 characters, summaries of 150–400, English abstracts of
120–260 words. Each digest is one day with ~50 papers, 70 % main entries.

    python -m tests.synth OUT_DIR N_PAPERS     # write digests
"""
from __future__ import annotations

import os
import random
import shutil
import sys
from datetime import datetime, timezone
from pathlib import Path

from paperkg.ingest.weibo import post_id_for_time

OUT = Path(__file__).resolve().parent.parent / "bench" / "out"
CATEGORIES = [("LG", "机器学习"), ("CV", "计算机视觉"), ("CL", "计算与语言"), ("AS", "音频与语音"),
              ("RO", "机器人"), ("AI", "人工智能"), ("IR", "信息检索")]
_SURNAMES = ("Zhang Wang Li Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin Luo Gao Smith Johnson "
             "Brown Lee Kim Park Nguyen Garcia Martin Muller Schmidt Rossi Tanaka Suzuki Singh Kumar Patel Cohen "
             "Levin Abbeel Levine Finn Bengio Hinton LeCun Goodfellow Sutskever Karpathy Liang Manning Jurafsky").split()
_ORG_STEMS = ("Tsinghua Peking Zhejiang Fudan Nanjing Shanghai Jiao Tong Wuhan Harbin Sun Yat-sen Stanford MIT "
              "Berkeley CMU Oxford Cambridge ETH EPFL Toronto Montreal Tokyo Seoul KAIST NUS NTU Edinburgh "
              "Washington Cornell Princeton Columbia Michigan Illinois Texas Georgia").split()
_ORG_KINDS = ["University", "Institute of Technology", "Research", "AI Lab", "National Laboratory", "College"]
_EN_WORDS = ("learning neural network model data training deep representation attention transformer graph "
             "image video language speech robot policy reward optimization gradient loss generalization "
             "contrastive self-supervised diffusion generative adversarial retrieval embedding semantic "
             "segmentation detection classification reinforcement benchmark dataset efficient scalable robust "
             "method approach propose show demonstrate results state-of-the-art performance experiments task "
             "tasks large small sparse dense multi-modal cross-lingual domain adaptation transfer few-shot "
             "we our the of and in for with on to a an is are that this by from as").split()
_ZH_CHARS = ("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而"
             "方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好"
             "应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向"
             "道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件"
             "长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给"
             "色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白"
             "教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石"
             "记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般")


def _zipf_pool_sampler(pool: list[str], rng: random.Random, s: float = 1.1):
    weights = [1.0 / (rank ** s) for rank in range(1, len(pool) + 1)]
    cum, total = [], 0.0
    for w in weights:
        total += w
        cum.append(total)

    def sample(k: int) -> list[str]:
        return rng.choices(pool, cum_weights=cum, k=k)
    return sample


def _pools(rng: random.Random, n_papers: int) -> tuple[list[str], list[str]]:
    letters = "ABCDEFGHJKLMNOPQRSTWXYZ"
    n_authors = max(200, int(n_papers * 1.2))
    authors = set()
    while len(authors) < n_authors:
        initials = rng.choice(letters) + (" " + rng.choice(letters) if rng.random() < 0.2 else "")
        suffix = "" if rng.random() < 0.6 else str(rng.randint(2, 999))
        authors.add(f"{initials} {rng.choice(_SURNAMES)}{suffix}")
    n_orgs = max(50, n_papers // 10)
    orgs = set()
    while len(orgs) < n_orgs:
        stem = rng.choice(_ORG_STEMS)
        kind = rng.choice(_ORG_KINDS)
        extra = "" if rng.random() < 0.3 else f" {rng.choice(_ORG_STEMS)}"
        name = f"{stem}{extra} {kind}"
        if rng.random() < 0.1:
            name = f"University of {stem}, {rng.choice(_ORG_STEMS)}"
        orgs.add(name if len(orgs) < 20 else f"{name} {len(orgs)}")
    authors_list, orgs_list = sorted(authors), sorted(orgs)
    rng.shuffle(authors_list)
    rng.shuffle(orgs_list)
    return authors_list, orgs_list


def _english(rng: random.Random, n: int) -> str:
    words = rng.choices(_EN_WORDS, k=n)
    sentences, start = [], 0
    while start < n:
        length = rng.randint(12, 28)
        chunk = words[start:start + length]
        sentences.append(" ".join(chunk).capitalize() + ".")
        start += length
    return " ".join(sentences)


def _chinese(rng: random.Random, n: int) -> str:
    text = "".join(rng.choices(_ZH_CHARS, k=n))
    out, pos = [], 0
    while pos < len(text):
        step = rng.randint(15, 40)
        out.append(text[pos:pos + step] + ("。" if pos + step >= len(text) else ","))
        pos += step
    return "".join(out)


def write_synthetic_digests(out_dir: str | os.PathLike, n_papers: int, seed: int = 0, per_digest: int = 50) -> list[Path]:
    """Write digests holding ``n_papers`` distinct papers; returns the files."""
    rng = random.Random(seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    authors, orgs = _pools(rng, n_papers)
    pick_authors = _zipf_pool_sampler(authors, rng, 1.05)
    pick_orgs = _zipf_pool_sampler(orgs, rng, 1.1)
    day0 = int(datetime(2021, 1, 1, 21, tzinfo=timezone.utc).timestamp())
    files, made, day = [], 0, 0
    while made < n_papers:
        count = min(per_digest, n_papers - made)
        n_main = max(1, round(count * 0.7))
        cats = rng.sample(CATEGORIES, k=5)
        lines = [" ".join(f"{c} - {n}" for c, n in cats) + " (*表示值得重点关注)", ""]
        t = day0 + day * 86400
        for i in range(count):
            made += 1
            code = rng.choice(cats)[0]
            title = f"{_english(rng, rng.randint(6, 12))[:-1].title()} {made}"
            names = ", ".join(pick_authors(rng.randint(1, 9)))
            insts = list(dict.fromkeys(pick_orgs(rng.randint(1, 3))))
            url = f"https://weibo.com/1402400261/{post_id_for_time(t + i * 240, i)}"
            star = "*" if rng.random() < 0.05 else ""
            zh_title = _chinese(rng, rng.randint(10, 30))[:-1]
            if i < n_main:
                lines += [f"{i + 1}、[{code}]{star} {title}", "", names]
                if rng.random() > 0.05:
                    lines.append("[" + " & ".join(insts) + "]")
                summary = _chinese(rng, rng.randint(150, 400))
                lines += [f"{zh_title}。{summary} {_english(rng, rng.randint(120, 260))} {url}", "image.png",
                          "f01.png.jpgf02.png.jpg", ""]
            else:
                if i == n_main:
                    lines += ["另外几篇值得关注的论文:", ""]
                lines += [f"[{code}]{star} {title}", "", zh_title, names, "[" + " & ".join(insts) + "]", url, "image.png", ""]
        path = out / f"synth_{day:05d}.txt"
        path.write_text("\n".join(lines), encoding="utf-8")
        files.append(path)
        day += 1
    return files


def synthetic_digests(n_papers: int, seed: int = 0) -> Path:
    """A cached folder of synthetic digests (under bench/out/)."""
    folder = OUT / f"digests-{n_papers}-{seed}"
    if not (folder / ".complete").exists():
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        write_synthetic_digests(tmp, n_papers, seed)
        (tmp / ".complete").write_text("ok")
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(tmp, folder)
    return folder


def synthetic_library(n_papers: int, seed: int = 0) -> Path:
    """A cached embedded library home holding ``n_papers`` synthetic papers (no embeddings)."""
    from paperkg.graph.embedded import EmbeddedStore
    from paperkg.ingest import read_inputs

    home = OUT / f"library-{n_papers}-{seed}"
    if not (home / ".complete").exists():
        tmp = home.with_name(home.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        store = EmbeddedStore(tmp)
        store.ingest(read_inputs([str(synthetic_digests(n_papers, seed))]))
        store.close()
        (tmp / ".complete").write_text("ok")
        shutil.rmtree(home, ignore_errors=True)
        os.replace(tmp, home)
    return home


if __name__ == "__main__":
    files = write_synthetic_digests(sys.argv[1], int(sys.argv[2]))
    print(f"wrote {len(files)} digests to {sys.argv[1]}")
