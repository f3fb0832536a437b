"""Digest parsing: text in, :class:`~ingest.model.Digest` out."""
from paperkg.ingest.files import InputError, read_digest, read_inputs
from paperkg.ingest.model import Digest, Entry, Problem
from paperkg.ingest.parser import parse_digest

__all__ = ["Digest", "Entry", "InputError", "Problem", "parse_digest", "read_digest", "read_inputs"]
