"""The digest parser on the real digest, its variants, and broken input."""
from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paperkg.ingest.files import parse_digest_bytes
from paperkg.ingest.parser import parse_digest, split_chinese_english, split_chinese_title
from paperkg.ingest.weibo import decode_mid, encode_mid, post_time

from tests.conftest import SAMPLE_DIGEST

TEXT = SAMPLE_DIGEST.read_text(encoding="utf-8")

# Every field of every paper of the real digest.
EXPECTED = [
    dict(section="main", rank=1, line=3, category="LG",
         title="Attention is Not All You Need: Pure Attention Loses Rank Doubly Exponentially with Depth",
         authors=["Y Dong", "J Cordonnier", "A Loukas"], institutions=["Google", "EPFL"],
         title_zh="注意力并不是万能的:随深度增加单纯注意力的秩会出现坍缩",
         summary_start="提出一种理解自注意力网络的新方法", summary_end="SAN是浅层网络的集成。",
         abstract_start="Attention-based architectures have become ubiquitous",
         abstract_end="on different variants of standard transformer architectures.",
         url="https://weibo.com/1402400261/K5tUA2l2c", posted_at="2021-03-09T21:09:21Z"),
    dict(section="main", rank=2, line=11, category="LG",
         title="Improving Computational Efficiency in Visual Reinforcement Learning via Stored Embeddings",
         authors=["L Chen", "K Lee", "A Srinivas", "P Abbeel"], institutions=["UC Berkeley"],
         title_zh="用嵌入保存提高视觉强化学习计算效率",
         summary_start="提出了面向高效强化学习的嵌入保存", summary_end="这些特征可用于不同的任务和领域。",
         abstract_start="Recent advances in off-policy deep reinforcement learning (RL)",
         abstract_end="which can be used for different tasks and domains.",
         url="https://weibo.com/1402400261/K5u2mypvD", posted_at=None),
    dict(section="main", rank=3, line=19, category="RO", title="Scale invariant robot behavior with fractals",
         authors=["S Kriegman", "A M Nasab", "D Blackiston", "H Steele", "M Levin", "R Kramer-Bottiglio", "J Bongard"],
         institutions=["University of Vermont", "Yale University", "Tufts University"],
         title_zh="基于分形的尺度不变机器人行为", summary_start="由于自然界中自相似结构", summary_end=None,
         abstract_start="Robots deployed at orders of magnitude different size scales",
         abstract_end="across a wide range of robot platforms in future.",
         url="https://weibo.com/1402400261/K5u9UFfuf", posted_at=None),
    dict(section="main", rank=4, line=27, category="CV",
         title="Multimodal Representation Learning via Maximization of Local Mutual Information",
         authors=["R Liao", "D Moyer", "M Cha", "K Quigley", "S Berkowitz", "S Horng", "P Golland", "W M. Wells"],
         institutions=["MIT", "Harvard Medical School"], title_zh="基于局部互信息最大化的多模态表示学习",
         summary_start="通过最大化图像和文本局部特征间的互信息", summary_end="进一步深入了解了局部互信息。",
         abstract_start="We propose and demonstrate a representation learning approach",
         abstract_end="demonstrate the advantages of using local features for image-text representation learning.",
         url="https://weibo.com/1402400261/K5udv9BgO", posted_at=None),
    dict(section="main", rank=5, line=35, category="CV", title="Parser-Free Virtual Try-on via Distilling Appearance Flows",
         authors=["Y Ge", "Y Song", "R Zhang", "C Ge", "W Liu", "P Luo"],
         institutions=["The University of Hong Kong", "Tencent AI Lab", "The Chinese University of Hong Kong"],
         title_zh="基于外观流蒸馏的免解析虚拟试穿", summary_start="提出一种新方法—“教师-导师-学生”知识蒸馏",
         summary_end="从而实现高质量的图像生成。", abstract_start="Image virtual try-on aims to fit a garment image",
         abstract_end="(3) Extensive evaluations show large superiority of our method (see Fig. 1).",
         url="https://weibo.com/1402400261/K5uhEflLW", posted_at=None),
    dict(section="other", rank=1, line=45, category="CV", title="Repurposing GANs for One-shot Semantic Part Segmentation",
         authors=["N Tritrong", "P Rewatbowornwong", "S Suwajanakorn"], institutions=["VISTEC"],
         title_zh="面向单样本语义部分分割的再利用GAN", url="https://weibo.com/1402400261/K5ulKFnQ8",
         posted_at="2021-03-09T22:16:18Z"),
    dict(section="other", rank=2, line=56, category="LG",
         title="The Hintons in your Neural Network: a Quantum Field Theory View of Deep Learning",
         authors=["R Bondesan", "M Welling"], institutions=["Qualcomm AI Research"],
         title_zh="神经网络中的信元(Hintons)粒子:用量子场论看深度学习", url="https://weibo.com/1402400261/K5unBioDW",
         posted_at="2021-03-09T22:20:51Z"),
    dict(section="other", rank=3, line=66, category="CL", title="Syntax-BERT: Improving Pre-trained Transformers with Syntax Trees",
         authors=["J Bai", "Y Wang", "Y Chen", "Y Yang", "J Bai", "J Yu", "Y Tong"],
         institutions=["Peking University", "Microsoft Research Asia", "Chinese Academy of Sciences"],
         title_zh="Syntax-BERT;用语法树改进预训练Transformer", url="https://weibo.com/1402400261/K5uqWsVy1",
         posted_at="2021-03-09T22:29:05Z"),
    dict(section="other", rank=4, line=75, category="CV", title="End-to-End Human Object Interaction Detection with HOI Transformer",
         authors=["C Zou", "B Wang", "Y Hu", "J Liu", "Q Wu", "Y Zhao", "B Li", "C Zhang", "C Zhang", "Y Wei", "J Sun"],
         institutions=["MEGVII Technology"], title_zh="基于HOI Transformer的端到端人体交互检测",
         url="https://weibo.com/1402400261/K5usqFym0", posted_at="2021-03-09T22:32:45Z"),
]


def test_legend_and_counts():
    digest = parse_digest(TEXT, "sample.txt")
    assert digest.problems == []
    assert digest.categories == {"LG": "机器学习", "CV": "计算机视觉", "CL": "计算与语言", "AS": "音频与语音", "RO": "机器人"}
    assert len(digest.entries) == 9
    assert digest.posted_at == "2021-03-09"


@pytest.mark.parametrize("index", range(9))
def test_every_field_of_the_real_digest(index):
    entry = parse_digest(TEXT, "sample.txt").entries[index]
    want = EXPECTED[index]
    for name in ("section", "rank", "line", "category", "title", "authors", "institutions", "title_zh", "url"):
        assert getattr(entry, name) == want[name], name
    assert entry.starred is False
    if want["posted_at"]:
        assert entry.posted_at == want["posted_at"]
    assert re.fullmatch(r"2021-03-09T2\d:\d\d:\d\dZ", entry.posted_at)
    if entry.section == "main":
        assert entry.summary_zh.startswith(want["summary_start"])
        if want["summary_end"]:
            assert entry.summary_zh.endswith(want["summary_end"])
        assert entry.abstract.startswith(want["abstract_start"])
        assert entry.abstract.endswith(want["abstract_end"])
        assert "https://" not in entry.abstract and not re.search(r"[\u4e00-\u9fff]", entry.abstract)
        assert not entry.summary_zh.startswith(entry.title_zh)
    else:
        assert entry.summary_zh == "" and entry.abstract == ""


def test_entries_are_in_post_order():
    times = [e.posted_at for e in parse_digest(TEXT).entries]
    assert times == sorted(times)


def test_weibo_time_example():
    assert post_time("K5tUA2l2c") == "2021-03-09T21:09:21Z"
    assert decode_mid("K5tUA2l2c") == 4613066240557516


@given(st.integers(min_value=0, max_value=10**17))
def test_mid_round_trip(mid):
    assert decode_mid(encode_mid(mid)) == mid


def _same_entries(a, b):
    keys = ("section", "rank", "category", "title", "authors", "institutions", "title_zh", "summary_zh", "abstract", "url", "posted_at")
    return [[getattr(e, k) for k in keys] for e in a.entries] == [[getattr(e, k) for k in keys] for e in b.entries]


@pytest.mark.parametrize("variant", [
    lambda t: t.replace("\n", "\r\n"),
    lambda t: "\ufeff" + t,
    lambda t: t.replace("\n", "   \n"),
    lambda t: t.replace("\n\n", "\n\n\n\n"),
    lambda t: re.sub(r"^(\d+)、", r"\1. ", t, flags=re.M),
    lambda t: re.sub(r"^(\d+)、\[(\w+)\]", r"\1、［\2］", t, flags=re.M),
    lambda t: re.sub(r"^\[([^\]]*&[^\]]*)\]$", r"【\1】", t, flags=re.M),
    lambda t: t.replace("另外几篇值得关注的论文:", "另外几篇值得关注的论文："),
], ids=["crlf", "bom", "trailing-spaces", "extra-blank-lines", "N-dot", "fullwidth-code", "fullwidth-institutions", "fullwidth-colon"])
def test_tolerated_variants(variant):
    reference = parse_digest(TEXT)
    varied = parse_digest(variant(TEXT))
    assert varied.problems == []
    assert _same_entries(reference, varied)


def test_star_marks_an_entry():
    text = TEXT.replace("2、[LG] Improving", "2、[LG]*Improving").replace("[CL] Syntax-BERT", "[CL] *Syntax-BERT")
    entries = parse_digest(text).entries
    assert [e.starred for e in entries] == [False, True, False, False, False, False, False, True, False]
    assert entries[1].title.startswith("Improving") and entries[7].title.startswith("Syntax-BERT")


def test_missing_institution_line_is_fine():
    text = TEXT.replace("[Google & EPFL]\n", "")
    entry = parse_digest(text).entries[0]
    assert entry.institutions == [] and entry.authors == ["Y Dong", "J Cordonnier", "A Loukas"]
    assert entry.title_zh.startswith("注意力并不是万能的")


def test_broken_entry_is_reported_and_the_rest_kept():
    text = TEXT.replace("https://weibo.com/1402400261/K5u2mypvD", "")
    digest = parse_digest(text, "d.txt")
    assert len(digest.entries) == 8
    assert [str(p) for p in digest.problems] == [
        "d.txt:11: entry 'Improving Computational Efficiency in Visual Rein…' has no post URL (https://weibo.com/…); entry skipped"]


def test_garbage_line_is_reported_with_its_line():
    lines = TEXT.split("\n")
    lines.insert(8, "this line does not belong here")
    digest = parse_digest("\n".join(lines), "d.txt")
    assert len(digest.entries) == 9
    assert [p.line for p in digest.problems] == [9]
    assert "unexpected text" in digest.problems[0].message


@pytest.mark.parametrize("data", [b"", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"<!DOCTYPE html><html><body><p>Hello</p></body></html>",
                                  "随便写点中文。".encode()])
def test_non_digest_files_are_rejected_in_one_line(data):
    digest, _ = parse_digest_bytes(data, "bad.txt", "bad")
    assert digest.entries == []
    assert len(digest.problems) == 1
    assert str(digest.problems[0]).startswith("bad.txt: ")
    assert "rejected" in str(digest.problems[0])


def test_gb18030_file_is_read():
    digest, text = parse_digest_bytes(TEXT.encode("gb18030"), "gbk.txt", "gbk")
    assert digest.problems == [] and len(digest.entries) == 9


def test_split_helpers():
    assert split_chinese_english("中文摘要,称为SEER。 English text.") == ("中文摘要,称为SEER。", "English text.")
    assert split_chinese_english("只有中文") == ("只有中文", "")
    assert split_chinese_english("Only English.") == ("", "Only English.")
    assert split_chinese_title("这是问题吗?然后摘要。") == ("这是问题吗?", "然后摘要。")
    assert split_chinese_title("标题。摘要一。摘要二。") == ("标题", "摘要一。摘要二。")


_LINES = TEXT.split("\n")


def _check_problems(digest, text):
    n_lines = len(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    for problem in digest.problems:
        assert 0 <= problem.line <= n_lines
        assert re.match(r"^f\.txt(:\d+)?: \S", str(problem))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=2000))
def test_random_text_never_crashes(text):
    _check_problems(parse_digest(text, "f.txt"), text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["delete", "duplicate", "swap", "insert", "truncate"]),
                          st.integers(0, len(_LINES) - 1), st.text(max_size=80)), max_size=8))
def test_mutated_digest_never_crashes(mutations):
    lines = list(_LINES)
    for op, pos, junk in mutations:
        pos = min(pos, len(lines) - 1) if lines else 0
        if not lines:
            break
        if op == "delete":
            del lines[pos]
        elif op == "duplicate":
            lines.insert(pos, lines[pos])
        elif op == "swap" and pos + 1 < len(lines):
            lines[pos], lines[pos + 1] = lines[pos + 1], lines[pos]
        elif op == "insert":
            lines.insert(pos, junk)
        elif op == "truncate":
            lines[pos] = lines[pos][: len(junk)]
    text = "\n".join(lines)
    digest = parse_digest(text, "f.txt")
    _check_problems(digest, text)
    for entry in digest.entries:
        assert entry.title and entry.authors and entry.category
