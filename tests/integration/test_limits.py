#!/usr/bin/env python3
"""Connection limits of `slawatch serve`: oversized headers (431), a slowloris client cut off
after server.read_timeout while others are served, server.max_connections, and 10 000 idle
connections that neither crash nor starve the daemon.

Usage: test_limits.py --binary PATH --source REPO_ROOT   (Python 3 stdlib only; bounded time)
"""
import argparse
import os
import resource
import signal
import socket
import sys
import tempfile
import threading
import time

import test_serve as base  # noqa: E402  (shared helpers: Daemon, request, check, ...)
from test_serve import check, expect_equal

IDLE_WANTED = 10000


def write_config(tmp, name, port, extra):
    path = os.path.join(tmp, name + ".yaml")
    with open(path, "w") as f:
        f.write("server:\n  listen: 127.0.0.1:%d\n%s"
                "storage:\n  path: %s/%s/slawatch.db\nrules: [%s/rules/*.yaml]\n" % (port, extra, tmp, name, tmp))
    return path


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    return s


def timed_ready(port):
    """Seconds a GET /-/ready takes and its status."""
    t0 = time.monotonic()
    status, _, _ = base.request(port, "GET", "/-/ready")
    return time.monotonic() - t0, status


def test_oversized_header(port):
    s = connect(port)
    try:
        s.sendall(b"GET /-/ready HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    finally:
        s.close()
    check(data.startswith(b"HTTP/1.1 431"), "oversized header: %r" % data[:60])
    check(b'{"error":"headers: larger than the limit of 16384 bytes"}' in data, "431 body: %r" % data[-80:])


def test_slowloris(port, read_timeout):
    """A header byte a second is cut off after read_timeout; a normal client is served meanwhile."""
    s = connect(port)
    result = {}

    def trickle():
        t0 = time.monotonic()
        try:
            s.sendall(b"GET /-/ready HTTP/1.1\r\n")
            for _ in range(3 * read_timeout + 5):
                time.sleep(1)
                s.sendall(b"X")
        except OSError:
            pass   # the server closed: a write fails (EPIPE/ECONNRESET)
        result["seconds"] = time.monotonic() - t0

    t = threading.Thread(target=trickle)
    t.start()
    time.sleep(0.5)
    took, status = timed_ready(port)
    check(status == 200 and took < 2, "normal client during slowloris: %r in %.2f s" % (status, took))
    t.join(timeout=3 * read_timeout + 15)
    s.close()
    secs = result.get("seconds")
    check(secs is not None and secs < read_timeout + 3, "slowloris cut off after %r s" % secs)


def test_connection_limit(port, limit, read_timeout):
    held = [connect(port) for _ in range(limit)]
    time.sleep(0.3)
    extra = connect(port)
    extra.settimeout(3)
    try:
        closed = extra.recv(1) == b""
    except ConnectionResetError:
        closed = True
    except socket.timeout:
        closed = False
    check(closed, "a connection beyond max_connections is closed at once")
    extra.close()
    # Idle connections do not hold their slot for longer than read_timeout.
    time.sleep(read_timeout + 1)
    took, status = timed_ready(port)
    check(status == 200 and took < 2, "served again after idle ones timed out: %r in %.2f s" % (status, took))
    for s in held:
        s.close()


def raise_fd_limit(wanted):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else wanted
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def test_idle_connections(port, daemon):
    limit = raise_fd_limit(IDLE_WANTED + 200)
    count = min(IDLE_WANTED, limit - 200)
    if count < IDLE_WANTED:
        print("NOTE: fd hard limit %d: opening %d idle connections instead of %d" % (limit, count, IDLE_WANTED))
    held = []
    t0 = time.monotonic()
    try:
        for _ in range(count):
            held.append(connect(port))
        print("opened %d idle connections in %.1f s" % (len(held), time.monotonic() - t0), flush=True)
        time.sleep(0.5)
        took, status = timed_ready(port)
        check(status == 200 and took < 2, "ready with %d idle connections: %r in %.2f s" % (len(held), status, took))
        check(daemon.proc.poll() is None, "daemon alive with idle connections")
    finally:
        for s in held:
            s.close()
    time.sleep(0.5)
    took, status = timed_ready(port)
    check(status == 200 and took < 2, "ready after the idle connections closed: %r in %.2f s" % (status, took))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--source", required=True)
    args = ap.parse_args()
    started = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="slawatch-limits-")
    os.mkdir(os.path.join(tmp, "rules"))
    with open(os.path.join(tmp, "rules", "rules.yaml"), "w") as f:
        f.write(base.RULES)
    port = base.free_port()
    config = write_config(tmp, "short", port, "  read_timeout: 2s\n  max_connections: 50\n")
    daemon = base.Daemon(args.binary, config, os.path.join(tmp, "slawatch.log"))

    def scenario():
        daemon.start(port)
        test_oversized_header(port)
        test_slowloris(port, 2)
        test_connection_limit(port, 50, 2)
        expect_equal(daemon.kill(signal.SIGTERM), 0, "exit code after SIGTERM")
        port2 = base.free_port()
        daemon.config = write_config(tmp, "many", port2, "  read_timeout: 60s\n  max_connections: 12000\n")
        daemon.start(port2)
        test_idle_connections(port2, daemon)
        expect_equal(daemon.kill(signal.SIGTERM), 0, "exit code after SIGTERM (idle connections)")

    return base.run_scenario(daemon, tmp, started, scenario)


if __name__ == "__main__":
    sys.exit(main())
