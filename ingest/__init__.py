"""Digest parsing: text in, :class:`~ingest.model.Digest` out."""
from ingest.files import InputError, read_digest, read_inputs
from ingest.model import Digest, Entry, Problem
from ingest.parser import parse_digest

__all__ = ["Digest", "Entry", "InputError", "Problem", "parse_digest", "read_digest", "read_inputs"]
