"""The import's per-record memory (issue 14, "memory flat"): a SpilledDict answers as a dict does, before and after
it moves to its temporary SQLite file, and the file goes when it is closed."""

from __future__ import annotations

import pytest

from lodfilm.importing.spill import SpilledDict, SpilledLines, SpilledSet


@pytest.mark.parametrize("limit", [1_000, 3], ids=["held", "spilled"])
def test_a_spilled_dict_answers_as_a_dict(limit: int) -> None:
    plain: dict[str, object] = {}
    spilled = SpilledDict(limit=limit)
    entries = [("b/2", ("x", 1, None)), ("a", "one"), ("b", (("t",), ())), ("b-1", 2.5), ("c", None), ("b.x", 7)]
    for key, value in entries:
        plain[key] = spilled[key] = value
    spilled["a"] = plain["a"] = "again"  # replaced, not added
    assert spilled.spilled == (limit == 3)
    assert len(spilled) == len(plain) == 6
    assert dict(spilled.items()) == plain and sorted(spilled) == sorted(plain)
    assert sorted(spilled.values(), key=repr) == sorted(plain.values(), key=repr)
    assert spilled["b/2"] == ("x", 1, None) and spilled.get("nope") is None and "c" in spilled and "d" not in spilled
    assert 5 not in spilled  # type: ignore[comparison-overlap]
    # the keys with a prefix: an index range once spilled, so "b/2", "b-1" and "b.x" but not "c" or "a"
    assert sorted(k for k, _ in spilled.under("b")) == ["b", "b-1", "b.x", "b/2"]
    assert [k for k, _ in spilled.under("b-")] == ["b-1"]
    with pytest.raises(KeyError):
        spilled["nope"]
    with pytest.raises(KeyError):
        del spilled["nope"]
    assert spilled.pop("b-1") == 2.5 and "b-1" not in spilled
    for key in spilled:  # removing while walking it, as a settled file's graphs are
        del spilled[key]
    assert len(spilled) == 0 and list(spilled) == []


def test_a_large_spilled_dict_pages_through_every_entry_and_closes() -> None:
    spilled = SpilledDict(((f"record/{n:05d}", n) for n in range(5_000)), limit=100)
    assert spilled.spilled and len(spilled) == 5_000
    assert sum(value for _, value in spilled.items()) == sum(range(5_000))  # more than one page of 1,000
    spilled.close()
    assert not spilled.spilled and len(spilled) == 0


def test_a_spilled_set_is_a_set() -> None:
    films = SpilledSet(limit=2)
    for film in ["f1", "f2", "f1", "f3", "f2"]:
        films.add(film)
    assert len(films) == 3 and set(films) == {"f1", "f2", "f3"} and "f2" in films
    films.discard("f2")
    films.discard("never")
    assert set(films) == {"f1", "f3"}


def test_the_filter_never_forgets_a_key_and_seldom_claims_one() -> None:
    from lodfilm.importing.spill import Filter

    held = [f"https://films.example.org/record/films-csv-0123/film-{n}-2001" for n in range(20_000)]
    seen = Filter(held)
    assert all(key in seen for key in held)  # no false "not held": SQLite is asked of every key it may hold
    strangers = sum(f"{key}-other" in seen for key in held)
    assert strangers < 20  # ~1 in 100,000 at this fill; each only costs a question to SQLite
    spilled = SpilledDict(((key, None) for key in held[:5_000]), limit=10)
    assert all(key in spilled for key in held[:5_000]) and not any(key in spilled for key in held[5_000:6_000])


@pytest.mark.parametrize("limit", [1_000, 3], ids=["held", "spilled"])
def test_spilled_lines_are_read_back_in_the_order_written(limit: int) -> None:
    """A file's settled source lines: few are a frozenset; many are written out and walked, as often as asked, in
    the order they were added (lines with quotes, escapes and non-ASCII text come back the same)."""
    written = [f'<urn:x:r{n}> <urn:x:source> "sha256:{n:064x} - /in/Été \\"{n}\\".csv" .' for n in range(7)]
    lines = SpilledLines(limit=limit)
    for line in written:
        lines.add(line)
    done = lines.done()
    assert lines.spilled == (limit == 3)
    if limit == 3:
        assert done is lines and list(done) == written and list(done) == written  # walked twice
        assert len(done) == 7 and written[4] in done and "<urn:x:r9> ." not in done
        assert done == frozenset(written)  # a Set, equal to the same lines held
    else:
        assert done == frozenset(written) and isinstance(done, frozenset)
