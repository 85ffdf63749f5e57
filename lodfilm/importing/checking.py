"""VALIDATE: batches of mapped records through SHACL, in worker processes, answered in the order they were sent.

A batch holds records and the errors met reading them, in file order, so that reporting a batch keeps the order
records were read in. Up to ``depth`` batches are in flight at once, so both cores check while the main process
reads, maps and writes.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass

from lodfilm.errors import RecordError
from lodfilm.importing.mapped import Mapped

Item = Mapped | RecordError
#: a record's first problem, by its position among the batch's mapped records: (field, message)
Problems = dict[int, tuple[str, str]]


@dataclass
class Checked:
    """A batch once validated: each item with its problem (None for a valid record and for a read error)."""

    items: list[Item]
    problems: Problems

    def judged(self) -> Iterator[tuple[Item, tuple[str, str] | None]]:
        position = 0
        for item in self.items:
            if isinstance(item, RecordError):
                yield item, None
                continue
            yield item, self.problems.get(position)
            position += 1


class Checks:
    """Batches sent for validation, oldest first."""

    def __init__(self, workers: int) -> None:
        # pySHACL is loaded only by an import that validates something (an unchanged re-import never does).
        from lodfilm.validation import Validator

        self.workers = workers
        self._validator = Validator(workers)
        self._inflight: deque[tuple[list[Item], Future[Problems]]] = deque()

    def submit(self, items: list[Item]) -> None:
        records = ["\n".join(item.graph.lines).encode() for item in items if isinstance(item, Mapped)]
        self._inflight.append((list(items), self._validator.submit(records)))

    def finished(self, keep: int = 0) -> Iterator[Checked]:
        """The oldest batches, waited for, until ``keep`` are left in flight."""
        while len(self._inflight) > keep:
            items, future = self._inflight.popleft()
            yield Checked(items, future.result())

    def close(self) -> None:
        self._validator.close()
