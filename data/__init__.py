"""Reference data installed with paperkg as ``paperkg.data``: the curated institution
registry (``institutions/*.jsonl``). The digests and evaluation sets beside it stay in
the repository and are not installed."""
