"""``python -m lodfilm`` is the ``lodfilm`` command."""

from lodfilm.cli import main

if __name__ == "__main__":  # not when a query worker process imports it
    main(prog_name="lodfilm")
