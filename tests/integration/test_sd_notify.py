#!/usr/bin/env python3
"""`slawatch serve` speaks the systemd notification protocol: READY=1 with a STATUS once it
serves, WATCHDOG=1 every WATCHDOG_USEC/2 from its event loop, STOPPING=1 on SIGTERM — sent to
a datagram socket this test binds in the abstract namespace, as systemd would.

Usage: test_sd_notify.py --binary PATH --source REPO_ROOT
"""
import argparse
import os
import signal
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ops_support import Daemon, check, expect_equal, finish, free_port, write_config  # noqa: E402

RULES = """\
partners:
  - { id: bank-a, name: Bank A, class: bank }
rules:
  - id: amount-positive
    kind: condition
    category: integrity
    severity: major
    description: A collected contribution has a positive amount.
    when: event.type == 'contribution.collected'
    require: event.attributes.amount > 0
"""


def receive_all(sock, seconds):
    out, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            out.append(sock.recv(4096).decode())
        except socket.timeout:
            break
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--source", required=True)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        name = "slawatch-test-notify-%d" % os.getpid()
        sock.bind("\0" + name)
        port = free_port()
        with open(os.path.join(tmp, "rules.yaml"), "w") as f:
            f.write(RULES)
        cfg = write_config(tmp, port, os.path.join(tmp, "rules.yaml"))
        env = dict(os.environ, NOTIFY_SOCKET="@" + name, WATCHDOG_USEC="200000")
        d = Daemon(args.binary, cfg, os.path.join(tmp, "serve.log"), env)
        try:
            d.start(port)
            got = receive_all(sock, 1.0)
            check(len(got) >= 1 and got[0].startswith("READY=1\nSTATUS=serving 127.0.0.1:%d: " % port),
                  "first message is READY=1 with a STATUS, got %r" % got[:1])
            check(" rules, " in (got[0] if got else ""), "STATUS counts rules and partners")
            pings = [m for m in got[1:] if m.startswith("WATCHDOG=1\nSTATUS=serving")]
            # 1 s at a 100 ms interval: about 9 pings; at least 5 allows for a slow machine.
            check(len(pings) >= 5, "WATCHDOG=1 every WATCHDOG_USEC/2, got %d in 1 s" % len(pings))
            d.proc.send_signal(signal.SIGHUP)
            hup = receive_all(sock, 1.5)
            reloading = [i for i, m in enumerate(hup) if m.startswith("RELOADING=1\nMONOTONIC_USEC=")]
            check(len(reloading) == 1, "RELOADING=1 with MONOTONIC_USEC on SIGHUP, got %r" % hup[:4])
            check(reloading and any(m.startswith("READY=1\nSTATUS=serving") for m in hup[reloading[0] + 1:]),
                  "READY=1 after the reload, got %r" % hup[:6])
            d.proc.send_signal(signal.SIGTERM)
            rest = receive_all(sock, 2.0)
            check(any(m.startswith("STOPPING=1") for m in rest), "STOPPING=1 on SIGTERM, got %r" % rest[-3:])
            expect_equal(d.proc.wait(timeout=20), 0, "exit code after SIGTERM")
        finally:
            d.stop()
            sock.close()
        return finish([d])


if __name__ == "__main__":
    sys.exit(main())
