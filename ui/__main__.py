"""``python -m ui`` runs the ``paperkg`` command line."""
from ui.cli import run

run()
