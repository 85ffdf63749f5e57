"""lodfilm: film records in, the web of data out.

The data path is ``records`` (read) → ``mapping`` (map) → ``validation`` → ``store`` → publishing
(``cli`` and, later, ``web``). ``pipeline`` is the one module that knows every step.
"""

__version__ = "0.1.0"
