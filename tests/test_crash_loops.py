"""Issue 13, points 9 and 10, as loops of real processes (the 30+-trial loops with their figures
are ``python -m bench.bench_crash_loops``; these are the suite's smaller loops)."""
from __future__ import annotations

import random

import pytest

from tests.crash_loops import kill_trials, race_trials

pytestmark = [pytest.mark.model, pytest.mark.slow]


def test_kill_9_at_random_moments_of_an_ingest_never_corrupts_or_loses_papers(search_library, tmp_path):
    figures = kill_trials(search_library, tmp_path, trials=5, rng=random.Random(13))
    assert figures.trials == 5 and figures.killed >= 3, figures
    assert figures.corrupt == 0 and figures.old_state + figures.new_state == 5, figures
    assert figures.silent_lag == 0, figures
    assert figures.missing_after_next == 0, figures


def test_concurrent_ingests_leave_no_paper_out_of_the_index(search_library, tmp_path):
    figures = race_trials(search_library, tmp_path, trials=4)
    assert figures.trials == 4 and figures.failed_runs == 0 and figures.lost_digests == 0, figures
    assert figures.missing_from_index == 0 and figures.stale_generation == 0, figures
