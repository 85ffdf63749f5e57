"""A small HTTP load generator: N concurrent keep-alive clients (asyncio, one process) against 127.0.0.1.

``python -m bench.load --port P --paths FILE --accept TYPE [--concurrency 16]``

Each client takes the next path of FILE (one per line, already percent-encoded; until all are sent or
``--max-seconds`` have passed), sends ``GET`` with the given
``Accept``, reads the whole answer and records its latency. Prints one JSON object: requests, errors, status
counts, seconds, requests/s, p50/p90/p99/max latency, bytes, and the CPU this client process used (it shares
the machine with the server, so its own cost is part of the picture).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.engines import percentile

LOOPBACK = "127.0.0.1"


async def read_response(reader: asyncio.StreamReader) -> tuple[int, int, bool]:
    """(status, body bytes, keep-alive) of one HTTP/1.1 response."""
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("connection closed")
    status = int(status_line.split()[1])
    length: int | None = None
    chunked = False
    keep = True
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding" and "chunked" in value:
            chunked = True
        elif name == "connection" and value == "close":
            keep = False
    size = 0
    if chunked:
        while True:
            chunk_size = int((await reader.readline()).split(b";")[0], 16)
            if chunk_size == 0:
                await reader.readline()
                break
            size += len(await reader.readexactly(chunk_size + 2)) - 2
    elif length is not None:
        size = len(await reader.readexactly(length))
    else:
        size = len(await reader.read())
        keep = False
    return status, size, keep


async def client(port: int, paths: list[str], cursor: list[int], accept: str,
                 latencies: list[float], statuses: Counter[int], sizes: list[int], deadline: float) -> None:
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    while cursor[0] < len(paths) and time.perf_counter() < deadline:
        path = paths[cursor[0]]
        cursor[0] += 1
        if writer is None:
            reader, writer = await asyncio.open_connection(LOOPBACK, port)
        assert reader is not None
        request = f"GET {path} HTTP/1.1\r\nHost: {LOOPBACK}:{port}\r\nAccept: {accept}\r\n\r\n"
        start = time.perf_counter()
        try:
            writer.write(request.encode("ascii"))
            await writer.drain()
            status, size, keep = await read_response(reader)
        except (ConnectionError, asyncio.IncompleteReadError, ValueError, IndexError):
            statuses[0] += 1
            writer.close()
            reader = writer = None
            continue
        latencies.append(time.perf_counter() - start)
        statuses[status] += 1
        sizes.append(size)
        if not keep:
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


async def run(port: int, paths: list[str], accept: str, concurrency: int,
              max_seconds: float = 120.0) -> dict[str, Any]:
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    sizes: list[int] = []
    cursor = [0]
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    deadline = start + max_seconds
    await asyncio.gather(*(client(port, paths, cursor, accept, latencies, statuses, sizes, deadline)
                           for _ in range(concurrency)))
    seconds = time.perf_counter() - start
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    ok = sum(n for s, n in statuses.items() if 200 <= s < 400)
    sent = sum(statuses.values())
    return {
        "requests": sent,
        "planned": len(paths),
        "stopped_at_time_limit": sent < len(paths),
        "ok": ok,
        "errors": sent - ok,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "concurrency": concurrency,
        "seconds": round(seconds, 3),
        "requests_per_s": round(ok / seconds, 1) if seconds else None,
        "p50_ms": round(percentile(latencies, 50) * 1000, 2),
        "p90_ms": round(percentile(latencies, 90) * 1000, 2),
        "p99_ms": round(percentile(latencies, 99) * 1000, 2),
        "max_ms": round(max(latencies) * 1000, 2) if latencies else None,
        "mean_bytes": round(sum(sizes) / len(sizes)) if sizes else None,
        "client_cpu_s": round((cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime), 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--paths", type=Path, required=True, help="file of request paths, one a line")
    parser.add_argument("--accept", default="text/html")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--max-seconds", type=float, default=120.0,
                        help="stop sending new requests after this long (cold pages can be slow)")
    args = parser.parse_args(argv)
    paths = [line for line in args.paths.read_text(encoding="ascii").splitlines() if line]
    print(json.dumps(asyncio.run(run(args.port, paths, args.accept, args.concurrency, args.max_seconds))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
