"""The paper graph: model, merging, and the stores that keep it."""
