"""``python -m lodfilm`` is the ``lodfilm`` command."""

from lodfilm.cli import main

main(prog_name="lodfilm")
