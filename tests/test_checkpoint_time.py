"""An import's checkpoint is later, to the second, than every event it publishes: OAI-PMH's responseDate is the
checkpoint's time and ``from`` is inclusive, so a harvester's next ``from`` must fall after the events it has seen
(a fast import once published its events in the very second it stamped them, and they were harvested twice)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from click.testing import CliRunner

from lodfilm import changelog
from lodfilm.cli import main
from lodfilm.store.embedded import EmbeddedStore
from tests.conftest import BASE


def test_a_fast_imports_checkpoint_falls_in_a_later_second_than_its_events(tmp_path: Path) -> None:
    store = tmp_path / "store"
    for n in range(3):  # tiny imports, each well under a second
        record = tmp_path / f"film-{n}.yaml"
        record.write_text(f"title: Quick {n}\nyear: 200{n}\n", encoding="utf-8")
        result = CliRunner().invoke(main, ["import", "--store", str(store), "--base", BASE, str(record)])
        assert result.exit_code == 0, result.output
        reader = EmbeddedStore(store, read_only=True)
        try:
            published = dt.datetime.fromtimestamp(reader.modified, dt.UTC).replace(microsecond=0)
            events = changelog.events(reader)
        finally:
            reader.close()
        assert len(events) == n + 1
        assert all(event.time < published for event in events), (events[-1].time, published)
