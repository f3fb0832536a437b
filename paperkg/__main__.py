"""``python -m paperkg`` runs the ``paperkg`` command line."""
from paperkg.ui.cli import run

run()
