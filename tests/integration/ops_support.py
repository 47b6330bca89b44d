"""Helpers shared by the operations integration tests (sd_notify, spool, simulate).
Python 3 stdlib only; every wait is bounded."""
import http.client
import json
import os
import socket
import subprocess
import time

FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL: " + what, flush=True)
    return cond


def expect_equal(actual, expected, what):
    return check(actual == expected, "%s: expected %r, got %r" % (what, expected, actual))


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, r.read().decode(), dict(r.getheaders())
    finally:
        conn.close()


def get_json(port, path):
    status, body, _ = request(port, "GET", path)
    return status, (json.loads(body) if body else None)


def write_config(tmp, port, rules_glob, extra=""):
    path = os.path.join(tmp, "slawatch.yaml")
    with open(path, "w") as f:
        f.write("server:\n  listen: 127.0.0.1:%d\nstorage:\n  path: %s\nrules: [%s]\n%s"
                % (port, os.path.join(tmp, "data", "slawatch.db"), rules_glob, extra))
    return path


class Daemon:
    """`slawatch serve` on a free loopback port; logs to a file in the temp dir."""

    def __init__(self, binary, config, log_path, env=None):
        self.binary, self.config, self.log_path, self.env = binary, config, log_path, env
        self.proc = None

    def start(self, port, timeout=30):
        self.port = port
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([self.binary, "serve", "--config", self.config],
                                     stdout=log, stderr=log, env=self.env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("slawatch exited during start-up with %d" % self.proc.returncode)
            try:
                if request(port, "GET", "/-/ready")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("slawatch not ready after %ds" % timeout)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                return self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode if self.proc else None

    def log_text(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()


def wait_for(pred, timeout, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


def finish(daemons=()):
    for d in daemons:
        if d and FAILURES:
            print("---- daemon log (tail) ----\n" + d.log_text()[-4000:], flush=True)
    if FAILURES:
        print("%d check(s) failed" % len(FAILURES))
        return 1
    print("all checks passed")
    return 0
