"""The pure core, tested directly: merging, triage, filters, settings.

No model, no JVM, no browser: part of the fast tier (``make test-fast``).
"""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paperkg.errors import UsageError
from paperkg.graph.config import load_settings
from paperkg.graph.filters import PaperFilter
from paperkg.graph.merge import merge_paper, observation
from paperkg.graph.triage import IngestReport, triage_digests
from paperkg.ingest import read_digest
from paperkg.ingest.model import Digest, Entry
from paperkg.redact import redact, uri_secrets
from tests.conftest import DIGESTS, SAMPLE_DIGEST


# -- merge_paper ---------------------------------------------------------------------------------
def _entry(section="main", rank=1, posted="2021-03-09T00:00:00Z", **fields) -> Entry:
    base = {"category": "LG", "title": "A Paper", "authors": ["A B"], "institutions": [], "title_zh": "",
            "summary_zh": "", "abstract": "", "url": "", "starred": False}
    base.update(fields)
    return Entry(section=section, rank=rank, line=1, posted_at=posted, **base)


_OBSERVATIONS = st.lists(st.builds(
    lambda digest, section, rank, day, abstract, zh, starred, insts: observation(
        digest, _entry(section, rank, f"2021-03-{day:02d}T00:00:00Z" if day else None, abstract=abstract, title_zh=zh,
                       starred=starred, institutions=insts)),
    st.sampled_from(["d1", "d2", "d3"]), st.sampled_from(["main", "other"]), st.integers(1, 3), st.integers(0, 28),
    st.sampled_from(["", "abstract one", "abstract two"]), st.sampled_from(["", "中文一", "中文二"]), st.booleans(),
    st.sampled_from([[], ["X Lab"], ["Y Uni", "X Lab"]])), min_size=1, max_size=6,
    unique_by=lambda o: (o["digest"], o["section"], o["rank"]))  # a listing's key, as in the library


@given(_OBSERVATIONS, st.randoms())
@settings(max_examples=200, deadline=None)
def test_merge_is_a_function_of_the_set_of_observations(observations, rng):
    shuffled = list(observations)
    rng.shuffle(shuffled)
    assert merge_paper(shuffled) == merge_paper(observations)


def test_merge_takes_richer_data_first_from_main_entries():
    short = observation("d1", _entry("other", 1, "2021-03-01T00:00:00Z", title_zh="短"))
    full = observation("d2", _entry("main", 4, "2021-03-05T00:00:00Z", abstract="the abstract", title_zh="长"))
    merged = merge_paper([short, full])
    assert merged["abstract"] == "the abstract" and merged["title_zh"] == "长"  # main entries first
    assert merged["posted_at"] == "2021-03-01T00:00:00Z"  # the earliest listing
    assert [s["digest"] for s in merged["sources"]] == ["d1", "d2"]


# -- triage_digests ------------------------------------------------------------------------------
def _digest(name: str, sha: str, entries: int = 1) -> tuple[Digest, str]:
    return Digest(name=name, file=f"{name}.txt", categories={}, entries=[_entry()] * entries, problems=[],
                  sha256=sha), "raw"


def test_triage_reports_every_input_and_returns_what_to_write():
    stored = {"same": {"sha256": "s1"}, "changed": {"sha256": "old"}, "pending": {"sha256": "p1", "pending": {"x": 1}}}
    inputs = [_digest("new", "n1"), _digest("same", "s1"), _digest("changed", "c1"), _digest("pending", "p1"),
              _digest("empty", "e1", entries=0), _digest("new", "n1"), _digest("new", "n2")]
    report = IngestReport()
    ticks = []
    accepted = triage_digests(inputs, lambda name: stored.get(name, {}), report, ticks.append)
    assert [d.status for d in report.digests] == ["added", "unchanged", "replaced", "replaced", "rejected", "unchanged",
                                                  "rejected"]
    assert [d.name for d, _, _ in accepted] == ["new", "changed", "pending"]
    assert sum(ticks) == len(inputs)
    assert "also named 'new'" in str(report.digests[-1].problems[0])


# -- PaperFilter's documented rules ----------------------------------------------------------------
PAPER = {"category": "LG", "institutions": ["UC Berkeley", "MITRE Corporation"], "authors": ["Y Dong", "J Cordonnier"],
         "posted_at": "2021-03-31T23:00:00Z"}


@pytest.mark.parametrize("filters, matches", [
    (PaperFilter(institution="Berkeley"), True),
    (PaperFilter(institution="berkeley"), True),
    (PaperFilter(institution="MIT"), False),  # a whole word only: MIT is not MITRE
    (PaperFilter(institution="MITRE"), True),
    (PaperFilter(author="Dong"), True),
    (PaperFilter(author="Y Don"), False),
    (PaperFilter(category="lg"), True),
    (PaperFilter(category="CV"), False),
    (PaperFilter(until="2021-03"), True),  # --until as a prefix: all of March
    (PaperFilter(until="2021-03-30"), False),
    (PaperFilter(since="2021-03-31"), True),  # inclusive
    (PaperFilter(since="2021-04"), False),
    (PaperFilter(since="2021", until="2021"), True),
])
def test_filter_rules(filters, matches):
    assert filters.matches(PAPER) is matches


def test_filters_refuse_bad_dates_and_an_inverted_range():
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        PaperFilter(since="March 2021")
    with pytest.raises(ValueError, match="after the end date"):
        PaperFilter.asked(since="2021-05-01", until="2021-04")
    assert PaperFilter.asked(since="2021-04-01", until="2021-04")


# -- settings precedence ---------------------------------------------------------------------------
def test_settings_flags_then_environment_then_config_then_defaults(tmp_path):
    home = tmp_path / "lib"
    home.mkdir()
    (home / "config.toml").write_text('backend = "neo4j"\nmodel = "from-config"\n'
                                      '[neo4j]\nuri = "bolt://config:7687"\nuser = "cfg"\npassword = "cfg-secret"\n')
    from_config = load_settings(home=str(home), environ={})
    assert (from_config.backend, from_config.model, from_config.neo4j.uri, from_config.neo4j.user) == \
        ("neo4j", "from-config", "bolt://config:7687", "cfg")
    env = {"PAPERKG_BACKEND": "embedded", "PAPERKG_MODEL": "from-env", "NEO4J_URI": "bolt://env:7687",
           "NEO4J_PASSWORD": "env-secret"}
    from_env = load_settings(home=str(home), environ=env)
    assert (from_env.backend, from_env.model, from_env.neo4j.uri, from_env.neo4j.password, from_env.neo4j.user) == \
        ("embedded", "from-env", "bolt://env:7687", "env-secret", "cfg")
    flags = load_settings(home=str(home), backend="neo4j", model="from-flag", environ=env)
    assert (flags.backend, flags.model) == ("neo4j", "from-flag")
    assert "secret" not in repr(flags)
    elsewhere = tmp_path / "other.toml"
    elsewhere.write_text('backend = "neo4j"\n')
    assert load_settings(home=str(tmp_path / "x"), environ={"PAPERKG_CONFIG": str(elsewhere)}).backend == "neo4j"
    assert load_settings(environ={"PAPERKG_HOME": str(home)}).home == home
    assert load_settings(environ={"XDG_DATA_HOME": str(tmp_path / "xdg")}).home == tmp_path / "xdg" / "paperkg"


@pytest.mark.parametrize("config, key, wanted", [
    ("backend = 1\n", "backend", "a string"), ("model = []\n", "model", "a string"),
    ("[neo4j]\npassword = 5\n", "[neo4j] password", "a string"), ("neo4j = 'x'\n", "neo4j", "a table")])
def test_a_config_value_of_the_wrong_type_is_one_line(tmp_path, config, key, wanted):
    (tmp_path / "config.toml").write_text(config)
    with pytest.raises(UsageError) as err:
        load_settings(home=str(tmp_path), environ={})
    message = str(err.value)
    assert message.startswith(str(tmp_path / "config.toml")) and f"{key} must be {wanted}" in message
    assert "\n" not in message


def test_an_empty_home_is_a_usage_error():
    with pytest.raises(UsageError, match="--home is empty"):
        load_settings(home="", environ={})
    with pytest.raises(UsageError, match="PAPERKG_HOME is set but empty"):
        load_settings(environ={"PAPERKG_HOME": " "})


def test_the_sample_digests_parse_cleanly():
    """The bundled data the fast tier leans on: every sample digest parses with no problem."""
    for path in sorted(DIGESTS.glob("*.txt")):
        digest, _ = read_digest(path)
        assert digest.entries and not digest.problems, (path, digest.problems)
    assert read_digest(SAMPLE_DIGEST)[0].entries[0].title.startswith("Attention is Not All")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab9@:%!$-", min_size=1, max_size=24))
def test_no_part_of_a_uri_password_survives_redaction(password):
    """A password may hold ``@``; urlsplit reads user-info up to the last one, and so must redact."""
    uri = f"bolt://neo4j:{password}@db.example:7687"
    message = f"cannot reach {uri}: connection refused"
    assert redact(message) == "cannot reach bolt://db.example:7687: connection refused"
    if len(password) >= 3:  # shorter secrets are not searched for: they would blank out ordinary words
        assert password not in redact(message, uri_secrets(uri)).replace("db.example:7687", "")
