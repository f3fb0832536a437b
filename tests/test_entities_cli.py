"""Who is who from the command line: unresolved institutions, merge, split, alias and the
thesaurus, on the real papers of ``data/eval/authors`` (fast tier: ingested without an index)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from paperkg.graph.config import load_settings
from paperkg.services import ingest
from tests.conftest import ROOT

AUTHORS = ROOT / "data" / "eval" / "authors"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("entities") / "library"
    ingest(load_settings(home=str(home), environ={}), [str(AUTHORS)], index=False)
    return home


@pytest.fixture
def home(built, tmp_path) -> Path:
    """A copy of the built library of this test's own (corrections write to it)."""
    copy = tmp_path / "library"
    shutil.copytree(built, copy)
    return copy


def _json(result):
    assert result.returncode == 0, result.stderr.decode()
    assert b"Traceback" not in result.stderr
    return json.loads(result.stdout)


def _papers_of(cli, home, entity: str) -> set[str]:
    return {p["id"] for p in _json(cli("show", entity, "--json", home=home))["papers"]}


def _institution_ids(cli, home) -> dict[str, list[str]]:
    return {p["id"]: p["institution_ids"] for p in _json(cli("papers", "--json", home=home))}


def test_unresolved_institutions_come_most_papers_first_with_suggestions(cli, home):
    found = _json(cli("institutions", "--unresolved", "--json", home=home))
    counts = [u["papers"] for u in found]
    assert counts == sorted(counts, reverse=True) and counts[0] >= 2
    by_name = {u["name"]: u for u in found}
    # the digests' own spellings of sub-units the registry does not list, with their organisation suggested
    assert {"id": "institution:eth-zurich", "name": "ETH Zurich"} in by_name["Computer Vision Lab, ETH Zurich"]["suggestions"]
    assert {"id": "institution:microsoft", "name": "Microsoft"} in by_name["Microsoft Cloud + AI"]["suggestions"]
    # names the registry knows are never listed
    assert not {"Microsoft Research", "Facebook AI Research", "Stanford University"} & set(by_name)
    listed = {i["id"]: i for i in _json(cli("institutions", "--json", home=home))}
    assert all(u["id"] in listed for u in found)


def test_an_alias_folds_a_spelling_into_its_institution_and_travels_as_a_thesaurus(cli, home, tmp_path):
    cloud = _papers_of(cli, home, "institution:microsoft-cloud-ai")
    before = _institution_ids(cli, home)
    assert len(cloud) == 3 and all("microsoft" not in before[p] for p in cloud)
    stored = _json(cli("alias", "Microsoft Cloud + AI", "institution:microsoft", "--json", home=home))
    assert stored["op"] == "alias" and stored["target"] == "microsoft"
    after = _institution_ids(cli, home)
    expected = {p: [("microsoft" if i == "microsoft-cloud-ai" else i) for i in ids] for p, ids in before.items()}
    assert after == expected  # parallel to the names as written: only that spelling's id changed
    assert "Microsoft Cloud + AI" not in {u["name"] for u in _json(cli("institutions", "--unresolved", "--json", home=home))}
    assert cli("show", "institution:microsoft-cloud-ai", "--json", home=home).returncode == 2  # no longer a node
    assert [c["op"] for c in _json(cli("corrections", "--json", home=home))] == ["alias"]

    thesaurus = tmp_path / "thesaurus.txt"
    assert cli("thesaurus", "export", str(thesaurus), home=home).returncode == 0
    lines = thesaurus.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "label\treplace by" and "Microsoft Cloud + AI\tMicrosoft" in lines

    fresh = tmp_path / "fresh"
    ingest(load_settings(home=str(fresh), environ={}), [str(AUTHORS)], index=False)
    thesaurus.write_text(thesaurus.read_text(encoding="utf-8") + "no tab on this line\nGhost Lab\tinstitution:nowhere\n",
                         encoding="utf-8")
    imported = cli("thesaurus", "import", str(thesaurus), home=fresh)
    errors = imported.stderr.decode().splitlines()
    assert imported.returncode == 1 and b"Traceback" not in imported.stderr
    n = len(lines)
    assert any(e.startswith(f"{thesaurus}:{n + 1}: expected 'label<TAB>replace by'") for e in errors)
    assert any(f"{thesaurus}:{n + 2}:" in e and "nowhere" in e for e in errors)
    assert _institution_ids(cli, fresh) == expected  # the good lines were kept


def test_merge_and_split_of_people_are_kept_across_reingest(cli, home):
    ambiguous = cli("show", "K He", "--json", home=home)
    assert ambiguous.returncode == 2
    people = json.loads(ambiguous.stdout)["candidates"]
    assert len(people) >= 2
    msr = next(p for p in people if "Microsoft Research" in p["institutions"])
    fair = next(p for p in people if "Facebook AI Research" in p["institutions"])
    msr_papers, fair_papers = _papers_of(cli, home, msr["id"]), _papers_of(cli, home, fair["id"])

    _json(cli("merge", msr["id"], fair["id"], "--json", home=home))
    merged = _papers_of(cli, home, msr["id"])
    assert merged == msr_papers | fair_papers
    assert cli("show", fair["id"], "--json", home=home).returncode == 2  # the second id is gone into the first

    moved = sorted(fair_papers)[:2]
    _json(cli("split", msr["id"], "--papers", *moved, "--json", home=home))
    assert _papers_of(cli, home, msr["id"]) == merged - set(moved)

    ingest(load_settings(home=str(home), environ={}), [str(AUTHORS)], index=False)  # re-ingest, model-free
    assert _papers_of(cli, home, msr["id"]) == merged - set(moved)
    assert [c["op"] for c in _json(cli("corrections", "--json", home=home))] == ["merge", "split"]


def test_a_filter_naming_several_people_matches_all_and_says_so(cli, home):
    people = json.loads(cli("show", "K He", "--json", home=home).stdout)["candidates"]
    result = cli("papers", "--author", "K He", "--json", home=home)
    found = _json(result)
    assert f"names {len(people)} people" in result.stderr.decode()
    assert len(found) == sum(p["papers"] for p in people)
    one = _json(cli("papers", "--author", people[0]["id"], "--json", home=home))
    assert len(one) == people[0]["papers"] and b"people" not in cli("papers", "--author", people[0]["id"], home=home).stderr


def test_corrections_name_what_is_wrong_in_one_line(cli, home):
    for args, expected in [(("merge", "author:K He"), "two or more"),
                           (("merge", "author:K He", "institution:microsoft"), "cannot merge an author with an institution"),
                           (("split", "author:K He", "--papers", "no such paper title zz"), "no such paper title zz"),
                           (("alias", "  ", "institution:microsoft"), "alias needs the name as written"),
                           (("thesaurus", "import", "/nonexistent/t.txt"), "/nonexistent/t.txt")]:
        result = cli(*args, home=home)
        lines = result.stderr.decode().strip().splitlines()
        assert result.returncode == 2 and len(lines) == 1 and expected in lines[0], (args, lines)
    assert _json(cli("corrections", "--json", home=home)) == []


def test_an_unknown_name_spelled_like_a_registry_id_is_listed_unresolved(cli, tmp_path):
    """"IIT" is no registry name (the registry's ``iit`` is the Istituto Italiano di Tecnologia,
    known by its full name); its own key ``iit~name`` must not read as a split of that entry."""
    from tests.conftest import SAMPLE_DIGEST

    digest = tmp_path / "2021-03-08.txt"
    digest.write_text(SAMPLE_DIGEST.read_text(encoding="utf-8").replace("[Google & EPFL]", "[IIT & EPFL]", 1),
                      encoding="utf-8")
    home = tmp_path / "library"
    ingest(load_settings(home=str(home), environ={}), [str(digest)], index=False)
    found = {u["name"]: u for u in _json(cli("institutions", "--unresolved", "--json", home=home))}
    assert found["IIT"]["papers"] == 1
