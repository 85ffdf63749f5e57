"""PUBLISH: what the web layer serves, as pure functions (formats, negotiation, embedded JSON-LD)."""
