"""lodfilm's benchmark harness: a deterministic generator of film records, and the runner that measures import,
queries, pages and dumps side by side with raw pyoxigraph and rdflib. See ``bench/README.md``."""
