"""Issue 13, damage, disk and consistency: every damaged file of ``search/`` gives one true line
(or a right answer) and ``paperkg reindex`` rebuilds from the library whatever state it is in;
a full, read-only or locked-out library says so; stdout on a full disk; an index behind the
library says so and the next command heals it. Real files, real model, real damage; where a
condition cannot be made here without root (a full disk under SQLite), the failure is raised
at the OS boundary and the test says so. (The model cache's damage is covered with the fast
path, in tests/test_fast_model.py.)"""
from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from paperkg.graph.config import load_settings
from paperkg.services import ingest

from tests.conftest import DIGESTS, ROOT, SAMPLE_DIGEST

pytestmark = [pytest.mark.model]

TITLE = "Attention is Not All You Need: Pure Attention Loses Rank Doubly Exponentially with Depth"
SECOND = DIGESTS / "001_c182c66747107c8b.txt"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    """A library of the sample digest with its search index (real model)."""
    home = tmp_path_factory.mktemp("pristine") / "home"
    outcome = ingest(load_settings(str(home), environ={}), [str(SAMPLE_DIGEST)])
    assert outcome.exit_code == 0 and outcome.index_error is None
    return home


@pytest.fixture
def library(pristine, tmp_path) -> Path:
    home = tmp_path / "home"
    shutil.copytree(pristine, home, ignore=shutil.ignore_patterns("write.lock"))
    return home


def _search(cli, home):
    return cli("search", TITLE, "-k", "3", "--json", home=home)


def _right(result) -> bool:
    import orjson

    return result.returncode == 0 and orjson.loads(result.stdout)[0]["title"] == TITLE


def _one_line(result) -> str:
    err = result.stderr.decode()
    assert result.returncode == 2 and err.startswith("paperkg: ") and err.count("\n") == 1, err
    return err


def _index_file(home: Path, pattern: str) -> Path:
    found = sorted((home / "search").glob(pattern))
    assert found, pattern
    return found[-1]


def _truncate(path: Path, size: int | None = None) -> None:
    with open(path, "r+b") as handle:
        handle.truncate(path.stat().st_size // 2 if size is None else size)


def _garble(path: Path) -> None:
    """The middle half of the file overwritten (its size kept)."""
    size = path.stat().st_size
    with open(path, "r+b") as handle:
        handle.seek(size // 4)
        handle.write((bytes(range(7, 71)) * (size // 128 + 1))[: size // 2])


DAMAGE = {
    "rows emptied": ("rows-*.npy", lambda p: _truncate(p, 0)),
    "rows truncated": ("rows-*.npy", _truncate),
    "vectors truncated": ("vectors-*.faiss", _truncate),
    "vectors garbled": ("vectors-*.faiss", _garble),
    "keyword docs emptied": ("kw-*/docs.npy", lambda p: _truncate(p, 0)),
    "keyword terms garbled": ("kw-*/terms.json", _garble),
    "keyword tfs garbled": ("kw-*/tfs.npy", _garble),
    "manifest truncated": ("manifest.json", _truncate),
    "search.sqlite garbled": ("search.sqlite", lambda p: p.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 64)),
    "search.sqlite deleted": ("search.sqlite", lambda p: p.unlink()),
    "search.sqlite emptied": ("search.sqlite", lambda p: _truncate(p, 0)),
}


@pytest.mark.parametrize("case", sorted(DAMAGE))
def test_damaged_index_is_one_true_line_and_reindex_rebuilds_it(cli, pristine, library, case):
    """Either the very answer of the undamaged index (hits and scores), or one line naming the
    damage and ``paperkg reindex``; and after the reindex, the very answer again."""
    expected = _search(cli, pristine).stdout
    pattern, damage = DAMAGE[case]
    damage(_index_file(library, pattern))
    searched = _search(cli, library)
    if searched.returncode != 0 or searched.stdout != expected:
        err = _one_line(searched)
        assert "paperkg reindex" in err, err
    rebuilt = cli("reindex", home=library)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert _search(cli, library).stdout == expected


def test_a_lock_that_is_a_folder_is_named_with_its_fix(cli, library):
    (library / "search" / "write.lock").mkdir()
    err = _one_line(cli("reindex", home=library))
    assert f"{library}/search/write.lock: it is a folder where a file belongs; remove or rename it" in err
    shutil.rmtree(library / "search")
    (library / "write.lock").unlink(missing_ok=True)
    (library / "write.lock").mkdir()
    result = cli("ingest", str(SECOND), home=library)
    assert f"{library}/write.lock: it is a folder where a file belongs" in _one_line(result)


def test_ingest_heals_damaged_index_files_from_the_cache(cli, library):
    _truncate(_index_file(library, "rows-*.npy"))
    result = cli("ingest", str(SECOND), home=library)
    assert result.returncode == 0, result.stderr
    assert b"rebuilding the index from the library" in result.stderr
    assert _right(_search(cli, library))


def test_a_read_only_library_can_be_read_and_refuses_writes_in_one_line(cli, library):
    if os.geteuid() == 0:
        pytest.skip("root writes to read-only folders; chmod cannot make one here")  # CI runs as root
    for path in [library, *library.rglob("*")]:
        path.chmod(path.stat().st_mode & ~0o222)
    try:
        assert cli("stats", home=library).returncode == 0
        assert _right(_search(cli, library))
        err = _one_line(cli("ingest", str(SECOND), home=library))
        assert "move it aside" not in err and ("read-only" in err or "permission" in err), err
    finally:
        for path in [library, *library.rglob("*")]:
            path.chmod(path.stat().st_mode | 0o200)


def test_a_library_that_cannot_be_written_can_still_be_read(cli, library, monkeypatch):
    """What a read-only mount or a full disk do to SQLite's open (root here ignores chmod and
    there is no mount without root): raised at the sqlite3 boundary, as SQLite reports it."""
    real_connect = sqlite3.connect

    def refusing(target, *args, **kwargs):
        if str(target) in (str(library / "library.sqlite"), str(library / "search" / "search.sqlite")):
            raise sqlite3.OperationalError("attempt to write a readonly database")
        return real_connect(target, *args, **kwargs)

    expected = _search(cli, library).stdout
    monkeypatch.setattr(sqlite3, "connect", refusing)
    stats = cli("stats", "--json", home=library)
    assert stats.returncode == 0 and b'"papers": 9' in stats.stdout, stats.stderr
    searched = _search(cli, library)
    assert searched.returncode == 0 and searched.stdout == expected, searched.stderr
    err = _one_line(cli("ingest", str(SECOND), home=library))
    assert "the library is read-only" in err and "move it aside" not in err and "unchanged" in err


def test_an_old_library_that_cannot_be_written_says_it_needs_upgrading(cli, library, monkeypatch):
    """A schema-1 library (no corrections table) on a read-only mount: its upgrade needs a write,
    so reading it is one line naming that, not a missing table."""
    db = sqlite3.connect(library / "library.sqlite")
    with db:
        db.execute("DROP TABLE overrides")
        db.execute("UPDATE meta SET value='1' WHERE key='schema'")
    db.close()
    real_connect = sqlite3.connect

    def refusing(target, *args, **kwargs):
        if str(target) == str(library / "library.sqlite"):
            raise sqlite3.OperationalError("attempt to write a readonly database")
        return real_connect(target, *args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", refusing)
    err = _one_line(cli("stats", home=library))
    assert "the library is read-only" in err and "upgraded to this paperkg's schema, which needs writing" in err, err
    monkeypatch.undo()
    assert b'"papers": 9' in cli("stats", "--json", home=library).stdout  # writable again: upgraded


def test_disk_full_while_ingesting_is_one_line_and_changes_nothing(cli, library, monkeypatch):
    """A full disk under the library's write (raised where SQLite writes, as SQLite reports it:
    a full disk cannot be made here without a mount)."""
    from paperkg.graph import library as library_module

    real_put = library_module.Writer.put_papers

    def full(self, records):
        real_put(self, records)
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(library_module.Writer, "put_papers", full)
    err = _one_line(cli("ingest", str(SECOND), home=library))
    assert "the disk is full; free some space" in err and "nothing was changed" in err
    monkeypatch.undo()
    stats = cli("stats", "--json", home=library)
    assert b'"papers": 9' in stats.stdout and b'"digests": 1' in stats.stdout


def test_disk_full_while_indexing_keeps_the_library_and_says_so(cli, library, monkeypatch):
    """ENOSPC from the OS while the index files are written (injected at os.replace, which every
    crash-safe write goes through: a full disk cannot be made here without a mount)."""
    real_replace = os.replace

    def full(src, dst, *args, **kwargs):
        if "search" in str(dst):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dst))
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", full)
    result = cli("ingest", str(SECOND), home=library)
    err = _one_line(result)
    assert "the papers were ingested, but the search index was not updated" in err and "the disk is full" in err
    monkeypatch.undo()
    behind = cli("search", "Perceiver General Perception", home=library)
    assert b"behind the library" in behind.stderr
    assert cli("reindex", home=library).returncode == 0
    assert b"Perceiver: General" in cli("search", "Perceiver General Perception", "--json", home=library).stdout


def test_stdout_on_a_full_disk_is_one_line(library):
    """/dev/full: a real device whose writes fail with ENOSPC."""
    with open("/dev/full", "w") as full:
        run = subprocess.run([sys.executable, "-m", "paperkg", "--home", str(library), "stats"], stdout=full,
                             stderr=subprocess.PIPE, cwd=ROOT, timeout=120)
    assert run.returncode == 2
    assert run.stderr.decode() == "paperkg: cannot write the output: the disk is full; free some space and run the " \
                                  "command again\n"


# -- 10. an index behind the library --------------------------------------------------------------------
def test_an_index_behind_the_library_says_so_and_the_next_command_heals_it(cli, library):
    """The state a kill -9 after the library's commit and before the index switch leaves."""
    outcome = ingest(load_settings(str(library), environ={}), [str(SECOND)], index=False)
    assert outcome.report.added
    searched = cli("search", "Perceiver General Perception", home=library)
    assert searched.returncode == 0
    assert b"the search index is behind the library" in searched.stderr and searched.stderr.count(b"\n") == 1
    related = cli("related", TITLE, home=library)
    assert related.returncode == 0 and b"the search index is behind the library" in related.stderr
    new_title = "Perceiver: General Perception with Iterative Attention"
    err = cli("related", new_title, home=library).stderr.decode()
    assert "behind the library" in err.splitlines()[-1] and "paperkg reindex" in err.splitlines()[-1], err
    healed = cli("ingest", str(SECOND), home=library)  # unchanged digests, but the index catches up
    assert healed.returncode == 0, healed.stderr
    again = cli("search", "Perceiver General Perception", "--json", home=library)
    assert b"behind" not in again.stderr and b"Perceiver: General Perception with Iterative Attention" in again.stdout
