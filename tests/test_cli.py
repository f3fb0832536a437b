"""The paperkg command line: exact JSON shapes, exit codes, one-line errors."""
from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import SAMPLE_DIGEST

pytestmark = pytest.mark.model

PAPER_KEYS = {"id", "title", "title_zh", "category", "authors", "author_ids", "institutions", "institution_ids", "abstract",
              "summary_zh", "url", "posted_at", "starred", "sources"}


def _ok(result):
    assert b"Traceback" not in result.stderr, result.stderr.decode()
    return result


def test_ingest_then_papers_show_stats(cli, home):
    r = _ok(cli("ingest", str(SAMPLE_DIGEST), "--json", home=home))
    assert r.returncode == 0
    report = json.loads(r.stdout)
    assert report["added"] == 9 and report["updated"] == 0 and report["problems"] == []
    assert report["digests"][0]["status"] == "added"

    papers = json.loads(_ok(cli("papers", "--json", home=home)).stdout)
    assert len(papers) == 9
    assert all(set(p) == PAPER_KEYS for p in papers)
    hoi = next(p for p in papers if p["title"].startswith("End-to-End Human Object"))
    assert hoi["category"] == "CV" and hoi["authors"].count("C Zhang") == 2
    assert hoi["institution_ids"] == ["megvii"] and len(hoi["author_ids"]) == len(hoi["authors"])
    zhangs = [i for a, i in zip(hoi["authors"], hoi["author_ids"]) if a == "C Zhang"]
    assert len(set(zhangs)) == 2 and "C Zhang" in zhangs  # two people on one paper; the first keeps the name
    assert hoi["sources"] == [{"digest": "000_17d677ce7aa43e86", "section": "other", "rank": 4,
                               "url": "https://weibo.com/1402400261/K5usqFym0", "posted_at": "2021-03-09T22:32:45Z"}]

    shown = json.loads(_ok(cli("show", "Google", "--json", home=home)).stdout)
    assert shown["kind"] == "institution" and shown["name"] == "Google" and shown["id"] == "institution:google"
    assert [p["title"][:20] for p in shown["papers"]] == ["Attention is Not All"]
    assert shown["partners"] == [{"id": "institution:epfl", "name": "EPFL", "papers": 1}]
    assert shown["country"] == "US" and shown["type"] == "company" and shown["ror"] == "00njsd438"

    ambiguous = cli("show", "C Zhang", "--json", home=home)
    assert ambiguous.returncode == 2
    named = json.loads(ambiguous.stdout)
    assert named["kind"] == "ambiguous" and len(named["candidates"]) == 2
    assert {c["id"] for c in named["candidates"]} == {"author:" + i for i in zhangs}
    author = json.loads(_ok(cli("show", "author:C Zhang", "--json", home=home)).stdout)
    assert author["kind"] == "author" and len(author["papers"]) == 1
    assert {"id": "author:J Sun", "name": "J Sun", "papers": 1} in author["coauthors"]
    assert {"name": "C Zhang", "papers": 1} in [{k: c[k] for k in ("name", "papers")} for c in author["coauthors"]]
    assert author["institutions"] == [{"id": "institution:megvii", "name": "MEGVII Technology", "papers": 1}]

    paper = json.loads(_ok(cli("show", "HOI Transformer", "--json", home=home)).stdout)
    assert paper["kind"] == "paper" and paper["id"] == hoi["id"]
    assert json.loads(_ok(cli("show", hoi["id"], "--json", home=home)).stdout)["id"] == hoi["id"]

    category = json.loads(_ok(cli("show", "CV", "--json", home=home)).stdout)
    assert category["kind"] == "category" and category["name_zh"] == "计算机视觉" and category["arxiv"] == "cs.CV"
    assert len(category["papers"]) == 4

    stats = json.loads(_ok(cli("stats", "--json", home=home)).stdout)
    # 49 written names, two of them written twice on one paper by two people (C Zhang, J Bai);
    # 17 institutions written, 7 more that they are part of (Alphabet, Tencent, Microsoft Research, ...)
    assert {k: stats[k] for k in ("papers", "authors", "institutions", "categories", "digests")} == \
        {"papers": 9, "authors": 51, "institutions": 24, "categories": 5, "digests": 1}


def test_ingest_again_changes_nothing(cli, home, tmp_path):
    cli("ingest", str(SAMPLE_DIGEST), home=home)
    before = cli("papers", "--json", home=home).stdout
    folder = tmp_path / "again" / "deeper"
    folder.mkdir(parents=True)
    shutil.copy(SAMPLE_DIGEST, folder)
    r = _ok(cli("ingest", str(tmp_path / "again"), "--json", home=home))
    assert r.returncode == 0
    assert [d["status"] for d in json.loads(r.stdout)["digests"]] == ["unchanged"]
    assert cli("papers", "--json", home=home).stdout == before


def test_stdin_and_readable_tables(cli, home):
    r = _ok(cli("ingest", "-", home=home, input=SAMPLE_DIGEST.read_bytes()))
    assert r.returncode == 0 and b"9 papers added" in r.stdout
    table = _ok(cli("papers", home=home)).stdout.decode()
    assert "9 papers" in table and "Syntax-BERT" in table
    assert "institution: Google" in _ok(cli("show", "google", home=home)).stdout.decode()


def test_bad_files_exit_1_and_keep_the_rest(cli, home, tmp_path):
    folder = tmp_path / "in"
    (folder / "nested").mkdir(parents=True)
    shutil.copy(SAMPLE_DIGEST, folder / "nested" / "good.txt")
    (folder / "page.md").write_text("<html><body>not a digest</body></html>")
    (folder / "blob.txt").write_bytes(b"\x00\x01\x02binary")
    broken = SAMPLE_DIGEST.read_text(encoding="utf-8").replace("https://weibo.com/1402400261/K5u2mypvD", "")
    (folder / "broken.txt").write_text(broken, encoding="utf-8")
    (folder / "ignored.pdf").write_bytes(b"%PDF")
    r = _ok(cli("ingest", str(folder), home=home))
    assert r.returncode == 1
    err = r.stderr.decode().splitlines()
    assert f"{folder / 'page.md'}: no digest entries found (expected lines like '1、[LG] Title'); file rejected" in err
    assert any(line.startswith(f"{folder / 'blob.txt'}: not a text file") for line in err)
    assert any(line.startswith(f"{folder / 'broken.txt'}:11: entry 'Improving") for line in err)
    papers = json.loads(cli("papers", "--json", home=home).stdout)
    assert len(papers) == 9  # good.txt fully, broken.txt adds its 8 surviving papers to the same ones


def test_usage_errors_exit_2(cli, home, tmp_path):
    r = _ok(cli("ingest", str(tmp_path / "missing.txt"), home=home))
    assert r.returncode == 2 and r.stderr.decode().strip() == f"paperkg: {tmp_path / 'missing.txt'}: no such file or folder"
    r = _ok(cli("frobnicate", home=home))
    assert r.returncode == 2
    cli("ingest", str(SAMPLE_DIGEST), home=home)
    r = _ok(cli("show", "Gogle", home=home))
    assert r.returncode == 2
    assert r.stderr.decode().strip() == "paperkg: no paper, author, institution or category named 'Gogle'; did you mean: Google"
    r = _ok(cli("papers", "--since", "March 2021", home=home))
    assert r.returncode == 2 and "use YYYY-MM-DD" in r.stderr.decode()


def test_papers_filters(cli, home):
    cli("ingest", str(SAMPLE_DIGEST), home=home)
    cv = json.loads(cli("papers", "--category", "cv", "--json", home=home).stdout)
    assert len(cv) == 4 and {p["category"] for p in cv} == {"CV"}
    berkeley = json.loads(cli("papers", "--institution", "Berkeley", "--json", home=home).stdout)
    assert [p["institutions"] for p in berkeley] == [["UC Berkeley"]]
    california = json.loads(cli("papers", "--institution", "University of California", "--json", home=home).stdout)
    assert california == berkeley  # UC Berkeley is part of the University of California
    assert json.loads(cli("papers", "--institution", "institution:uc-berkeley", "--json", home=home).stdout) == berkeley
    assert json.loads(cli("papers", "--since", "2021-03-10", "--json", home=home).stdout) == []


def test_home_from_environment(cli, home):
    r = cli("ingest", str(SAMPLE_DIGEST), env={"PAPERKG_HOME": str(home)})
    assert r.returncode == 0 and (home / "library.sqlite").exists()


def test_filter_values_that_name_nothing_are_refused_with_close_names(cli, home):
    cli("ingest", str(SAMPLE_DIGEST), home=home)
    typo = _ok(cli("papers", "--institution", "Berkly", home=home))
    assert typo.returncode == 2
    assert typo.stderr.decode().strip() == ("paperkg: --institution 'Berkly' matches no institution in the library; "
                                            "did you mean: UC Berkeley")
    code = _ok(cli("papers", "--category", "XX", home=home))
    assert code.returncode == 2 and "known codes: AS, CL, CV, LG, RO" in code.stderr.decode()
    swapped = _ok(cli("papers", "--since", "2021-04-01", "--until", "2021-03-01", home=home))
    assert swapped.returncode == 2 and "after the end date" in swapped.stderr.decode()
    shared = _ok(cli("papers", "--author", "C Zhang", "--json", home=home))
    assert shared.returncode == 0 and "names 2 people" in shared.stderr.decode()
    assert [p["title"][:10] for p in json.loads(shared.stdout)] == ["End-to-End"]
    after = _ok(cli("papers", "--json", "--home", str(home)))  # --home after the subcommand too
    assert after.returncode == 0 and len(json.loads(after.stdout)) == 9
