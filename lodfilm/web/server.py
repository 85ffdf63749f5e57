"""Serving the app with waitress, sized and timed so that hostile or broken clients cannot take the site down.

waitress 3.0.2's defaults fit a server behind a proxy, not one facing the Internet: 100 connections in all
(100 clients that never finish their headers take every one, and every page waits), an idle connection kept
for 120 s, ``select()`` for its event loop (which fails outright past file descriptor 1024), and a close with
unread input that resets the connection, so a client still sending a refused body sees ``Connection reset``
instead of the ``413``. :func:`serve` sets each of these, with the reason beside it.

What stays waitress's: it buffers a request's headers and body before a request thread sees it, so a client
that stops half-way holds a connection (closed after the idle timeout), never a thread; a chunk size that is not
hex is a prompt ``400``; a chunked body past the body limit a ``413``.
"""

from __future__ import annotations

import logging
import resource
import socket
import time
from typing import Any

from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import MultiSocketServer, TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher

from lodfilm.web import MAX_REQUEST_BYTES

log = logging.getLogger("lodfilm.web")

#: Open connections at once. Idle ones cost a file descriptor and a few KB each (their headers are bounded by
#: HEADER_LIMIT), so thousands are cheap where waitress's 100 let a hundred slow clients stop every page.
CONNECTION_LIMIT = 4096
#: File descriptors kept beyond the connections: the store's files, the query workers' pipes, the dumps.
FD_HEADROOM = 1024
#: A request line and headers together, before waitress answers 431 (nginx allows 32 KB, Node.js 16 KB; waitress
#: 256 KB). It bounds what unfinished requests hold in memory: 4,096 × 64 KB = 256 MB at the very worst.
HEADER_LIMIT = 64 * 1024
#: A body, before waitress answers 413 on the ``Content-Length`` alone, or as a chunked body grows past it. Above
#: the app's own 1 MB (``MAX_REQUEST_BYTES``, a 413 from Flask), so that bodies between the two get the app's
#: one error shape; above this, reading on would only fill the disk.
BODY_LIMIT = 2 * MAX_REQUEST_BYTES
#: A body is kept in memory up to this, then in a temporary file (waitress: 512 KB), so that many clients each
#: sending a large body cost disk, not memory.
BODY_IN_MEMORY = 64 * 1024
#: Connections accepted per turn of the event loop (waitress: one; see :class:`Listener`).
ACCEPT_BATCH = 128
#: After its last answer on a connection it closes, the server reads and discards what the client still sends,
#: for up to this long (and this much), so the client reads the answer instead of a reset (RFC 9112 §9.6).
LINGER_SECONDS = 5.0
LINGER_BYTES = 64 * 1024 * 1024


def serve(app: Any, *, host: str, port: int, threads: int, idle_timeout: float) -> None:
    """Serve the WSGI ``app`` on ``host:port`` until interrupted.

    ``idle_timeout`` (``LODFILM_IDLE_TIMEOUT``): a connection with no request being served that has sent or
    received nothing for this long is closed, whether it is between requests or half-way through one.
    """
    limit = raise_open_files(CONNECTION_LIMIT + FD_HEADROOM) - FD_HEADROOM
    if limit < CONNECTION_LIMIT:
        log.warning("only %d open files allowed (ulimit -n): serving at most %d connections at once",
                    limit + FD_HEADROOM, max(limit, 100))
    adjustments = Adjustments(
        host=host,
        port=port,
        threads=threads,
        ident="lodfilm",
        connection_limit=max(limit, 100),
        # poll(), not select(): select() cannot watch a file descriptor past 1024, and the server would stop.
        asyncore_use_poll=True,
        channel_timeout=idle_timeout,
        # How often idle connections are looked for (waitress: every 30 s, so a 30 s timeout could take 60 s).
        cleanup_interval=max(0.5, min(5.0, idle_timeout / 4)),
        max_request_header_size=HEADER_LIMIT,
        max_request_body_size=BODY_LIMIT,
        inbuf_overflow=BODY_IN_MEMORY,
        clear_untrusted_proxy_headers=True,
    )
    # waitress's ``create_server``, with lodfilm's listener: one per address (two where ``host`` has IPv4 and IPv6)
    tasks = ThreadedTaskDispatcher()
    tasks.set_thread_count(adjustments.threads)
    sockets: dict[int, Any] = {}
    listeners = [Listener(app, sockets, dispatcher=tasks, adj=adjustments, sockinfo=info)
                 for info in adjustments.listen]
    MultiSocketServer(sockets, adjustments, [(one.effective_host, one.effective_port) for one in listeners],
                      tasks, log.info).run()


def raise_open_files(wanted: int) -> int:
    """Raise this process's soft limit on open files towards ``wanted`` (up to the hard limit); the limit now.

    Many systems start processes with a soft limit of 1024, which 1,000 idle connections and the store's own files
    would pass: ``accept()`` would then fail, and the connections waiting behind it would never be answered.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        if target > soft:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
    return wanted if soft == resource.RLIM_INFINITY else soft


class LingeringChannel(HTTPChannel):
    """A waitress connection that closes as RFC 9112 §9.6 asks: first its sending side, then, after reading
    what the client still sends, the socket.

    waitress closes a connection at once, even with a client's bytes still unread (the rest of a refused 10 MB
    body, or of a 300 KB header); the system then answers them with a reset, which can reach the client before
    it has read the ``413`` or ``431`` — it sees a dropped connection. Here the answer is sent, then a FIN, then
    whatever arrives is read and dropped until the client closes, for at most ``LINGER_SECONDS`` and
    ``LINGER_BYTES`` (or the idle timeout, if it goes silent).
    """

    will_close: bool  # waitress's flags (annotated for mypy; waitress has no types)
    close_when_flushed: bool
    lingering = False
    linger_deadline = 0.0
    drained = 0

    def handle_close(self) -> None:
        # Linger only where the server chose to close (``will_close``) with nothing in progress; after an error
        # or the client's own close, close now.
        if self.lingering or not self.will_close or self.requests or self.socket is None:
            self.close_now()
            return
        try:
            self.socket.shutdown(socket.SHUT_WR)
        except OSError:
            self.close_now()
            return
        with self.outbuf_lock:  # what waitress does on close, short of closing the socket
            for outbuf in self.outbufs:
                outbuf.close()
            self.total_outbufs_len = 0
            self.connected = False
            self.outbuf_lock.notify()
        self.lingering = True
        self.will_close = False
        self.close_when_flushed = False
        self.linger_deadline = time.monotonic() + LINGER_SECONDS

    def close_now(self) -> None:
        self.lingering = False
        super().handle_close()

    def readable(self) -> bool:
        return True if self.lingering else bool(super().readable())

    def writable(self) -> bool:
        # While lingering, only the idle sweep's ``will_close`` makes the channel writable: it then closes.
        return self.will_close if self.lingering else bool(super().writable())

    def handle_write(self) -> None:
        if self.lingering:
            self.close_now()
        else:
            super().handle_write()

    def handle_read(self) -> None:
        if not self.lingering:
            super().handle_read()
            return
        try:
            data = self.socket.recv(65536)
        except OSError:
            data = b""
        self.drained += len(data)
        if not data or self.drained > LINGER_BYTES or time.monotonic() > self.linger_deadline:
            self.close_now()


class Listener(TcpWSGIServer):
    """waitress's listening socket, with :class:`LingeringChannel` connections, accepting in batches.

    waitress accepts one connection per turn of its event loop, and each turn looks at every open connection: a
    burst of 1,000 connections then costs a million looks before the page request queued behind them is
    accepted (seconds). Taking up to ``ACCEPT_BATCH`` per turn makes that a few thousand.
    """

    channel_class = LingeringChannel

    def handle_accept(self) -> None:
        for _ in range(ACCEPT_BATCH):
            before = len(self._map)
            super().handle_accept()
            if len(self._map) == before or len(self._map) >= self.adj.connection_limit:
                return  # none waiting (or refused, logged by waitress), or the limit reached
