"""Issue 13, points 5, 6, 8, 9b: bad config types, library text on the terminal, the app's
import path, and library text in the app's Markdown."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from paperkg.graph.embedded import EmbeddedStore
from paperkg.ingest.parser import parse_digest

from tests.conftest import SAMPLE_DIGEST

TEXT = SAMPLE_DIGEST.read_text(encoding="utf-8")
HOSTILE_TITLE = "Pwn [bold red]red[/] [/] [link=https://evil.example]click[/link] \x1b]0;owned\x07\x1b[2J end"


# -- 5. config types ------------------------------------------------------------------------------
@pytest.mark.parametrize("config, key, wanted, got", [
    ("backend = 1\n", "backend", "a string", "a number"),
    ("model = []\n", "model", "a string", "an array"),
    ("[neo4j]\npassword = 5\n", "[neo4j] password", "a string", "a number"),
    ("neo4j = 5\n", "neo4j", "a table", "a number"),
])
def test_wrong_toml_types_are_one_line(cli, home, config, key, wanted, got):
    home.mkdir()
    (home / "config.toml").write_text(config)
    result = cli("stats", home=home)
    assert result.returncode == 2
    assert result.stderr.decode() == (f"paperkg: {home}/config.toml: {key} must be {wanted} (e.g. "
                                      f"{'[neo4j] on a line of its own' if wanted == 'a table' else key.split()[-1] + ' = ' + chr(34) + '...' + chr(34)}"
                                      f"), not {got}; fix the config file\n")


@pytest.mark.parametrize("args, env", [(["--home", ""], {}), ([], {"PAPERKG_HOME": ""})])
def test_empty_home_is_a_usage_error(cli, args, env):
    result = cli(*args, "stats", env=env)
    assert result.returncode == 2 and b"empty" in result.stderr and result.stdout == b""


# -- 6. the terminal ------------------------------------------------------------------------------
def _title_text(out: str) -> str:
    """The title as printed: a table's title column (cells wrap over several lines) or, for
    the paper view, its heading; spaces dropped (wrapping moves them)."""
    rows = [line.split("│") for line in out.splitlines() if line.startswith("│")]
    text = "".join(cells[4] for cells in rows if len(cells) > 5) if rows else out.split("\n注意力")[0]
    return re.sub(r"\s", "", text)


def test_markup_and_escapes_in_library_text_print_as_text(cli, home):
    text = TEXT.replace("Attention is Not All You Need: Pure", HOSTILE_TITLE, 1)
    with EmbeddedStore(home) as store:
        store.ingest([(parse_digest(text, "hostile.txt", "hostile"), text)])
    for args in (["papers"], ["show", "Pwn"], ["show", "Google"]):
        result = cli(*args, home=home)
        out = result.stdout.decode()
        assert result.returncode == 0, result.stderr
        assert "\x1b" not in out and "\x07" not in out
        assert "Pwn[boldred]red[/][/][link=https://evil.example]click[/link]\\x1b]0;" in _title_text(out), out


def test_escapes_in_problem_lines_are_shown_escaped(cli, home, tmp_path):
    broken = tmp_path / "broken.txt"
    broken.write_text("1、[LG] Title \x1b[31mRED\x1b]0;owned\x07\n\nA B\n", encoding="utf-8")
    result = cli("ingest", str(broken), home=home)
    err = result.stderr.decode()
    assert result.returncode == 1
    assert "\x1b" not in err and "\x07" not in err and "\\x1b[31mRED" in err


# -- 8. the app's import path ---------------------------------------------------------------------
def test_the_app_does_not_import_modules_from_the_working_directory(tmp_path):
    from paperkg.ui.commands.app import streamlit_command

    (tmp_path / "click.py").write_text("open(__file__ + '.ran', 'w').close()\nraise SystemExit('fake click ran')\n")
    command = streamlit_command("127.0.0.1", 8599)
    launcher = command[: command.index("streamlit") + 1] + ["--version"]
    run = subprocess.run(launcher, cwd=tmp_path, capture_output=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert not (tmp_path / "click.py.ran").exists()
    unsafe = subprocess.run([sys.executable, "-m", "streamlit", "--version"], cwd=tmp_path, capture_output=True,
                            timeout=120)
    assert (tmp_path / "click.py.ran").exists(), "control: without -P the folder's click.py is imported"
    assert unsafe.returncode != 0


# -- 9b. links in the app ---------------------------------------------------------------------------
def _streamlit_autolink_patterns():
    """The autolink-literal patterns of the Markdown renderer Streamlit ships, which runs them on
    the text after escapes are resolved (mdast-util-gfm-autolink-literal), in Python form."""
    regex = pytest.importorskip("regex")
    import streamlit

    bundle = Path(streamlit.__file__).parent / "static" / "static" / "js"
    source = "".join(path.read_text(encoding="utf-8", errors="replace") for path in bundle.glob("StreamlitMarkdown*.js"))
    url_js = r"/(https?:\/\/|www(?=\.))([-.\w]+)([^ \t\r\n]*)/gi"
    email_js = r"/(?<=^|\s|\p{P}|\p{S})([-.\w+]+)@([-\w]+(?:\.[-\w]+)+)/gu"
    assert url_js in source and email_js in source, "Streamlit's autolink patterns changed; update this test"
    word = "[A-Za-z0-9_]"  # JavaScript's \w
    return [regex.compile(r"(?i)(https?://|www(?=\.))([-." + word[1:-1] + r"]+)([^ \t\r\n]*)"),
            regex.compile(r"(?<=^|\s|\p{P}|\p{S})([-.+" + word[1:-1] + r"]+)@([-" + word[1:-1] + r"]+(?:\.[-"
                          + word[1:-1] + r"]+)+)")]


def _rendered_text(markdown: str) -> str:
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parseInline(markdown)[0].children
    assert all(t.type in ("text", "softbreak") for t in tokens), [t.type for t in tokens]
    return "".join(t.content for t in tokens)


@pytest.mark.parametrize("title", [
    "Read https://evil.example/x></iframe now", "see www.evil.example.org today", "mail me: boss@evil.example.org",
    "HTTP://EVIL.EXAMPLE", "[x](https://evil.example) and <https://evil.example>",
])
def test_library_text_never_becomes_a_link(title):
    from paperkg.ui.safe import WORD_JOINER, md

    patterns = _streamlit_autolink_patterns()
    assert any(p.search(title) for p in patterns), "control: the raw title would be autolinked"
    shown = _rendered_text(md(title))
    assert not [p.pattern for p in patterns if p.search(shown)]
    assert shown.replace(WORD_JOINER, "") == title


def test_checked_urls_still_are_links():
    from paperkg.ui.safe import md_link

    assert md_link("post", "https://weibo.com/1402400261/K5tUA2l2c") == "[post](https://weibo.com/1402400261/K5tUA2l2c)"
    assert md_link("post", "javascript:alert(1)") == "post"
    assert re.fullmatch(r"[^\[\]()]*", md_link("x", "https://evil.example/a b"))
