"""Synthetic digests in the exact format of the real ones, for benchmarks and tests.

Authors and institutions are drawn Zipf-distributed from large pools (a few
prolific labs and authors, a long tail), text lengths follow the real digest:
Chinese titles of 10–30 characters, summaries of 150–400, English abstracts of
120–260 words. Each digest is one day with ~50 papers, 70 % main entries.

    python -m tests.synth OUT_DIR N_PAPERS     # write digests
"""
from __future__ import annotations

import json
import os
import random
import shutil
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from paperkg.ingest.weibo import post_id_for_time

OUT = Path(__file__).resolve().parent.parent / "bench" / "out"
CATEGORIES = [("LG", "机器学习"), ("CV", "计算机视觉"), ("CL", "计算与语言"), ("AS", "音频与语音"),
              ("RO", "机器人"), ("AI", "人工智能"), ("IR", "信息检索")]
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


#: Surnames with their approximate share among ML authors (the most frequent Chinese, Korean,
#: Indian and English surnames, from national name statistics), and the share left to rare
#: surnames, which are made up and nearly unique.
SURNAME_SHARES = {
    "Wang": 3.2, "Li": 3.2, "Zhang": 3.0, "Liu": 2.4, "Chen": 2.0, "Yang": 1.4, "Huang": 1.0, "Zhao": 0.95,
    "Wu": 0.9, "Zhou": 0.85, "Xu": 0.7, "Sun": 0.65, "Ma": 0.6, "Zhu": 0.55, "Hu": 0.5, "Guo": 0.5, "He": 0.45,
    "Lin": 0.4, "Luo": 0.35, "Gao": 0.35, "Zheng": 0.3, "Liang": 0.3, "Xie": 0.3, "Song": 0.25, "Tang": 0.25,
    "Han": 0.2, "Feng": 0.2, "Deng": 0.2, "Cao": 0.2, "Peng": 0.2, "Zeng": 0.15, "Xiao": 0.15, "Tian": 0.15,
    "Kim": 1.0, "Lee": 0.9, "Park": 0.5, "Choi": 0.25, "Jung": 0.2, "Kang": 0.15, "Cho": 0.15,
    "Kumar": 0.5, "Singh": 0.45, "Sharma": 0.3, "Gupta": 0.25, "Patel": 0.2, "Agarwal": 0.1,
    "Smith": 0.3, "Johnson": 0.2, "Brown": 0.2, "Miller": 0.15, "Davis": 0.15, "Wilson": 0.12, "Nguyen": 0.3,
    "Garcia": 0.12, "Müller": 0.1, "Schmidt": 0.08, "Rossi": 0.05, "Tanaka": 0.08, "Suzuki": 0.08,
}
RARE_SHARE = 60.0
#: First-name initials: of Chinese given names (pinyin) and of others.
_CHINESE_INITIALS = "YYYYXXXJJJZZZHHHLLWWSSCCQTKMBPFDGR"
_OTHER_INITIALS = "ABCDEFGHIJKLMNOPRSTVW"
#: Syllables of the made-up rare surnames (40 of them, three syllables: 64,000 surnames).
_SYLLABLES = ("ka lo ri mu sen tar vel dor ban kim ro sha tel ven mar lin gor pe ste wa "
              "bo ne ti fa qui zor hel mon ras dev ul ek ip ost yar bru cle fim gal nud").split()


@dataclass
class Person:
    id: str
    written: str  # "Y Wang": initials and surname, as digests write it
    group: int
    moved_to: int | None = None  # a group joined part-way (its institution, its co-authors)
    moved_at: float = 1.0  # the share of the timeline after which the move counts


def _written_name(rng: random.Random, surnames: list[str], cum: list[float]) -> str:
    surname = rng.choices(surnames, cum_weights=cum)[0]
    if surname == "":
        surname = "".join(rng.choice(_SYLLABLES) for _ in range(3)).capitalize()
        initials = rng.choice(_OTHER_INITIALS)
    elif surname in _CHINESE_SET:
        initials = rng.choice(_CHINESE_INITIALS)
    else:
        initials = rng.choice(_OTHER_INITIALS) + (" " + rng.choice(_OTHER_INITIALS) if rng.random() < 0.15 else "")
    return f"{initials} {surname}"


_CHINESE_SET = set(list(SURNAME_SHARES)[:33])


def _people(rng: random.Random, n_papers: int, orgs: list[str]) -> tuple[list[Person], list[list[int]], list[int]]:
    """People in research groups: each group has an institution and a few members who write
    together; one person in ten moves to another group part-way."""
    surnames = [*SURNAME_SHARES, ""]
    cum, total = [], 0.0
    for share in [*SURNAME_SHARES.values(), RARE_SHARE]:
        total += share
        cum.append(total)
    n_people = max(60, int(n_papers * 0.9))
    people: list[Person] = []
    groups: list[list[int]] = []
    group_org: list[int] = []
    pick_org = _zipf_pool_sampler(list(range(len(orgs))), rng, 1.05)
    while len(people) < n_people:
        members = []
        for _ in range(rng.randint(3, 10)):
            members.append(len(people))
            people.append(Person(f"p{len(people)}", _written_name(rng, surnames, cum), len(groups)))
        groups.append(members)
        group_org.append(pick_org(1)[0])
    for person in people:
        if rng.random() < 0.1 and len(groups) > 1:
            person.moved_to = rng.randrange(len(groups))
            person.moved_at = rng.uniform(0.3, 0.7)
            if person.moved_to != person.group:
                groups[person.moved_to].append(int(person.id[1:]))
    return people, groups, group_org


def _orgs(rng: random.Random, n_papers: int) -> list[str]:
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
    orgs_list = sorted(orgs)
    rng.shuffle(orgs_list)
    return orgs_list


def _english(rng: random.Random, n: int, topic: list[str] | None = None) -> str:
    words = rng.choices(_EN_WORDS + (topic or []) * 4, k=n)
    sentences, start = [], 0
    while start < n:
        length = rng.randint(12, 28)
        chunk = words[start:start + length]
        sentences.append(" ".join(chunk).capitalize() + ".")
        start += length
    return " ".join(sentences)


#: Words of an abstract that say nothing about whose it is (see paperkg.graph.people's generic words).
_FILLER = frozenset("""learning neural network model data training deep method approach propose show demonstrate
results performance experiments task tasks large small we our the of and in for with on to a an is are that this by
from as""".split())
_TECH = tuple(w for w in _EN_WORDS if w not in _FILLER and w != "state-of-the-art")
_FILLER_WORDS = tuple(w for w in _EN_WORDS if w in _FILLER)


def _topical(rng: random.Random, n: int, own_terms: list[str], pick_term) -> str:
    """Text of ``n`` words: mostly filler, a few technical words everyone uses, the group's own
    terms and terms drawn from the field at large."""
    words = []
    for _ in range(n):
        r = rng.random()
        words.append(rng.choice(_FILLER_WORDS) if r < 0.8 else rng.choice(_TECH) if r < 0.82 else
                     rng.choice(own_terms) if r < 0.88 else pick_term(1)[0])
    sentences, start = [], 0
    while start < n:
        length = rng.randint(12, 28)
        sentences.append(" ".join(words[start:start + length]).capitalize() + ".")
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


def write_synthetic_digests(out_dir: str | os.PathLike, n_papers: int, seed: int = 0, per_digest: int = 50,
                            distinct_topics: bool = False) -> list[Path]:
    """Write digests holding ``n_papers`` distinct papers; returns the files.

    ``distinct_topics``: titles and abstracts are filler words plus each research group's own
    terms (two-word compounds drawn from a pool of 2,000, Zipf s=0.5), so papers of two
    groups share few distinctive words, as real papers do (on the real digest two papers'
    distinctive words overlap by 0.016 at the median). Author resolution weighs that overlap,
    so its benchmark needs it; the default keeps the small shared vocabulary the timing
    benchmarks were measured on (its text is unchanged)."""
    rng = random.Random(seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    orgs = _orgs(rng, n_papers)
    people, groups, group_org = _people(rng, n_papers, orgs)
    pick_group = _zipf_pool_sampler(list(range(len(groups))), rng, 0.6)
    vocabulary = [rng.sample(_EN_WORDS[:80], 12) for _ in groups]  # each group's topic words
    if distinct_topics:
        pool = sorted(f"{a}-{b}" for a in _TECH for b in _TECH if a != b)
        rng.shuffle(pool)
        pick_term = _zipf_pool_sampler(pool[:2000], rng, 0.5)
        vocabulary = [pick_term(15) for _ in groups]
    day0 = int(datetime(2021, 1, 1, 21, tzinfo=timezone.utc).timestamp())
    files, made, day = [], 0, 0
    truth = []
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
            authors, insts = _paper_people(rng, people, groups, group_org, pick_group(1)[0], made / n_papers)
            names = ", ".join(people[a].written for a in authors)
            insts = list(dict.fromkeys(orgs[o] for o in insts))
            section, rank = ("main", i + 1) if i < n_main else ("other", i + 1 - n_main)
            truth += [{"file": f"synth_{day:05d}", "section": section, "rank": rank, "position": n,
                       "person": people[a].id} for n, a in enumerate(authors, start=1)]
            topic = vocabulary[people[authors[0]].group]
            url = f"https://weibo.com/1402400261/{post_id_for_time(t + i * 240, i)}"
            star = "*" if rng.random() < 0.05 else ""
            zh_title = _chinese(rng, rng.randint(10, 30))[:-1]
            if distinct_topics:
                title = f"{_topical(rng, rng.randint(6, 12), topic, pick_term)[:-1].title()} {made}"
            if i < n_main:
                lines += [f"{i + 1}、[{code}]{star} {title}", "", names]
                if rng.random() > 0.05:
                    lines.append("[" + " & ".join(insts) + "]")
                summary = _chinese(rng, rng.randint(150, 400))
                abstract = _topical(rng, rng.randint(120, 260), topic, pick_term) if distinct_topics else \
                    _english(rng, rng.randint(120, 260), topic)
                lines += [f"{zh_title}。{summary} {abstract} {url}", "image.png",
                          "f01.png.jpgf02.png.jpg", ""]
            else:
                if i == n_main:
                    lines += ["另外几篇值得关注的论文:", ""]
                lines += [f"[{code}]{star} {title}", "", zh_title, names, "[" + " & ".join(insts) + "]", url, "image.png", ""]
        path = out / f"synth_{day:05d}.txt"
        path.write_text("\n".join(lines), encoding="utf-8")
        files.append(path)
        day += 1
    (out / "truth.jsonl").write_text("".join(json.dumps(t) + "\n" for t in truth), encoding="utf-8")
    return files


def _paper_people(rng: random.Random, people: list[Person], groups: list[list[int]], group_org: list[int],
                  group: int, when: float) -> tuple[list[int], list[int]]:
    """The authors of one paper of ``group`` (its lead first, 1–8 members, sometimes a guest
    from another group) and their institutions, at the point ``when`` (0–1) of the timeline."""
    def here(person: int) -> bool:  # whether the person works in ``group`` at that time
        p = people[person]
        if p.moved_to is None:
            return p.group == group
        return (p.moved_to if when >= p.moved_at else p.group) == group

    members = [m for m in groups[group] if here(m)] or groups[group][:1]
    authors = rng.sample(members, k=min(len(members), rng.choice((1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 7, 8))))
    institutions = [group_org[group]]
    if rng.random() < 0.15:
        other = rng.randrange(len(groups))
        guest = rng.choice(groups[other])
        if guest not in authors:
            authors.append(guest)
            institutions.append(group_org[other])
    return authors, institutions


def synthetic_digests(n_papers: int, seed: int = 0, distinct_topics: bool = False) -> Path:
    """A cached folder of synthetic digests (under bench/out/)."""
    folder = OUT / f"digests-{n_papers}-{seed}{'-topics' if distinct_topics else ''}"
    if not (folder / ".complete").exists():
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        write_synthetic_digests(tmp, n_papers, seed, distinct_topics=distinct_topics)
        (tmp / ".complete").write_text("ok")
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(tmp, folder)
    return folder


def synthetic_library(n_papers: int, seed: int = 0) -> Path:
    """A cached embedded library home holding ``n_papers`` synthetic papers (no embeddings)."""
    from paperkg.graph.config import load_settings
    from paperkg.services import ingest

    home = OUT / f"library-{n_papers}-{seed}"
    if not (home / ".complete").exists():
        tmp = home.with_name(home.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        ingest(load_settings(home=str(tmp), environ={}), [str(synthetic_digests(n_papers, seed))], index=False)
        (tmp / ".complete").write_text("ok")
        shutil.rmtree(home, ignore_errors=True)
        os.replace(tmp, home)
    return home


if __name__ == "__main__":
    files = write_synthetic_digests(sys.argv[1], int(sys.argv[2]))
    print(f"wrote {len(files)} digests to {sys.argv[1]}")
