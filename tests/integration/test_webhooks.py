#!/usr/bin/env python3
"""Partner webhooks against misbehaving receivers (issue 5, "Bad input"), on loopback:
two partners each receive only their own breaches, signed with their own secret; a receiver
that answers 200 slowly is a success; an `alerting.webhooks` entry filtered to two partners
gets exactly theirs; an unreachable URL is a counted, retried failure; a
receiver that hangs times out (counted failed, retried with the same delivery id) while
POST /v1/events stays fast; a partner whose secret variable is unset gets nothing (a
warning); a malformed `alerting` section stops `serve` with a clear error.

Usage: test_webhooks.py --binary PATH --source REPO_ROOT   (Python 3 stdlib only)
Every wait is bounded; the whole test takes about 30 s (one 10 s request timeout).
"""
import argparse
import hashlib
import hmac
import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ops_support import (FAILURES, Daemon, check, expect_equal, finish, free_port,  # noqa: E402
                         get_json, request, wait_for)
from test_serve import metric_value  # noqa: E402

SECRETS = {"bank-a": "secret-of-bank-a", "bank-b": "secret-of-bank-b",
           "slow-c": "secret-of-slow-c", "hang-d": "secret-of-hang-d", "gone-e": "secret-of-gone-e"}
ENV = {p: "SLAWATCH_IT_%s_SECRET" % p.replace("-", "_").upper() for p in SECRETS}
UNSET_ENV = "SLAWATCH_IT_NEVER_SET_SECRET"
OPS_SECRET, OPS_ENV = "secret-of-ops", "SLAWATCH_IT_OPS_SECRET"

RULE = """\
rules:
  - id: amount-positive
    kind: condition
    category: integrity
    severity: major
    description: A collected contribution has a positive amount.
    when: event.type == 'contribution.collected'
    require: has(event.attributes.amount) && event.attributes.amount > 0
"""


class Receiver:
    """A loopback webhook receiver recording (headers, body) of every request.
    delay: seconds to wait before answering 200; hang_first: the first request is held
    until close() (longer than slawatch's 10 s timeout), later ones answer at once."""

    def __init__(self, delay=0.0, hang_first=False):
        self.requests, self.lock, self.release = [], threading.Lock(), threading.Event()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with outer.lock:
                    first = not outer.requests
                    outer.requests.append((dict(self.headers.items()), body, time.monotonic()))
                if hang_first and first:
                    outer.release.wait(30)
                    return   # no answer at all
                time.sleep(delay)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def snapshot(self):
        with self.lock:
            return list(self.requests)

    def close(self):
        self.release.set()
        self.server.shutdown()


def registry(ports, gone_port):
    lines = ["partners:"]
    for pid, port in list(ports.items()) + [("gone-e", gone_port)]:
        lines.append("  - { id: %s, name: %s, class: bank, report: { webhook: \"http://127.0.0.1:%d/hook\", "
                     "secret_env: %s } }" % (pid, pid, port, ENV[pid]))
    lines.append("  - { id: nosecret-f, name: F, class: bank, report: { webhook: \"http://127.0.0.1:%d/hook\", "
                 "secret_env: %s } }" % (ports["bank-a"], UNSET_ENV))
    return "\n".join(lines) + "\n" + RULE


def post_breach(port, eid, partner):
    """POSTs one breaching event; returns the request's latency in seconds."""
    ev = {"id": eid, "partner": partner, "type": "contribution.collected",
          "occurred_at": "2026-11-26T09:15:00+03:00", "attributes": {"amount": 0}}
    t0 = time.monotonic()
    status, _, _ = request(port, "POST", "/v1/events", json.dumps([ev]),
                           {"Content-Type": "application/json"})
    latency = time.monotonic() - t0
    expect_equal(status, 200, "POST /v1/events %s" % eid)
    return latency


def breach_ids(port, partner):
    status, body = get_json(port, "/v1/breaches?limit=1000&partner=" + partner)
    return {b["id"] for b in body["breaches"]} if status == 200 else set()


def metrics(port):
    return request(port, "GET", "/metrics")[1]


def sent_and_failed(port, partner):
    text = metrics(port)
    sink = {"sink": "partner:" + partner}
    return (metric_value(text, "slawatch_notifications_total", dict(sink, result="sent")),
            metric_value(text, "slawatch_notifications_total", dict(sink, result="failed")))


def pending(port, partner):
    status, body = get_json(port, "/v1/notifications?state=pending&sink=partner:" + partner)
    return body["notifications"] if status == 200 else []


def check_own_deliveries(port, partner, receiver, count):
    """`receiver` got exactly the breaches of `partner`, each once, signed with its secret."""
    got = wait_for(lambda: len(receiver.snapshot()) >= count, 15)
    check(got, "%s: %d deliveries arrived" % (partner, count))
    time.sleep(0.5)   # anything extra (another partner's breach) would have arrived by now
    reqs = receiver.snapshot()
    bodies = [json.loads(b) for _, b, _ in reqs]
    expect_equal({b["partner"] for b in bodies}, {partner}, "%s receives only its own breaches" % partner)
    expect_equal({b["id"] for b in bodies}, breach_ids(port, partner), "%s: every breach delivered" % partner)
    expect_equal(len({h["X-Slawatch-Delivery"] for h, _, _ in reqs}), len(reqs), "%s: one request per delivery" % partner)
    for headers, body, _ in reqs:
        sig = "sha256=" + hmac.new(SECRETS[partner].encode(), body, hashlib.sha256).hexdigest()
        expect_equal(headers.get("X-Slawatch-Signature"), sig, "%s: signed with its own secret" % partner)


def check_ops_deliveries(port, ops, bank_a):
    """alerting.webhooks "ops" (partners: [bank-a, bank-b]) gets both partners' breaches,
    signed with its own secret, under delivery ids of its own sink; not slow-c's."""
    check(wait_for(lambda: len(ops.snapshot()) >= 3, 10), "ops webhook: 3 deliveries arrived")
    time.sleep(0.5)
    reqs = ops.snapshot()
    expect_equal(sorted(json.loads(b)["id"] for _, b, _ in reqs),
                 sorted(breach_ids(port, "bank-a") | breach_ids(port, "bank-b")), "ops webhook: filtered by partner")
    for headers, body, _ in reqs:
        sig = "sha256=" + hmac.new(OPS_SECRET.encode(), body, hashlib.sha256).hexdigest()
        expect_equal(headers.get("X-Slawatch-Signature"), sig, "ops webhook: signed with its secret")
    partner_ids = {h["X-Slawatch-Delivery"] for h, _, _ in bank_a.snapshot()}
    check(not partner_ids & {h["X-Slawatch-Delivery"] for h, _, _ in reqs}, "delivery ids differ per sink")


def test_partner_isolation_and_slow_200(port, recv, ops):
    """bank-a's breaches go to bank-a only, bank-b's to bank-b only; a receiver answering
    200 after 2 s is a plain success (sent once, never failed, never retried)."""
    for eid, partner in (("a-1", "bank-a"), ("b-1", "bank-b"), ("a-2", "bank-a"), ("c-1", "slow-c")):
        post_breach(port, eid, partner)
    check_own_deliveries(port, "bank-a", recv["bank-a"], 2)
    check_own_deliveries(port, "bank-b", recv["bank-b"], 1)
    check_ops_deliveries(port, ops, recv["bank-a"])
    check(wait_for(lambda: sent_and_failed(port, "slow-c")[0] >= 1, 10), "slow 200 counted sent")
    expect_equal(sent_and_failed(port, "slow-c"), (1.0, 0.0), "slow 200: sent once, no failure")
    expect_equal(len(recv["slow-c"].snapshot()), 1, "slow 200 is not retried")


def test_secret_unset(daemon, port, recv):
    """nosecret-f names an unset variable: a start-up warning, and no request ever."""
    check("partner nosecret-f: report.secret_env: environment variable %s is not set; breach "
          "notifications to this partner are off" % UNSET_ENV in daemon.log_text(), "unset secret warned")
    before = len(recv["bank-a"].snapshot())
    post_breach(port, "f-1", "nosecret-f")
    time.sleep(1.0)
    expect_equal(len(recv["bank-a"].snapshot()), before, "nothing sent for a partner without its secret")
    expect_equal(pending(port, "nosecret-f"), [], "nothing queued for a partner without its secret")


def test_unreachable(port):
    """Connection refused: counted failed per attempt, retried, the item stays pending."""
    post_breach(port, "e-1", "gone-e")
    items = wait_for(lambda: [i for i in pending(port, "gone-e") if i["attempts"] >= 2], 10)
    if check(bool(items), "unreachable receiver retried (attempts >= 2)"):
        check(items[0]["last_error"] != "", "last_error says why: %r" % items[0]["last_error"])
        check(sent_and_failed(port, "gone-e")[1] >= 2, "each refused connection counted failed")


def test_hanging_receiver(port, recv):
    """hang-d's receiver holds the first request open: it times out after 10 s (counted
    failed), is retried with the same delivery id and then delivered; meanwhile ingestion
    stays fast and the other partners' deliveries follow once the worker is free."""
    post_breach(port, "d-1", "hang-d")
    check(wait_for(lambda: recv["hang-d"].snapshot(), 5), "hanging receiver got the request")
    hung_at = time.monotonic()
    latencies, n = [], 0
    while time.monotonic() - hung_at < 6:   # well inside the 10 s timeout
        n += 1
        latencies.append(post_breach(port, "a-h%d" % n, "bank-a"))
        time.sleep(0.1)
    check(max(latencies) < 2.0, "POST /v1/events stays fast while a receiver hangs: max %.3f s over %d"
          % (max(latencies), len(latencies)))
    expect_equal(sent_and_failed(port, "hang-d"), (0.0, 0.0), "nothing counted while the request hangs")
    done = wait_for(lambda: len(recv["hang-d"].snapshot()) >= 2 and sent_and_failed(port, "hang-d")[0] >= 1, 15)
    check(done, "hung delivery retried and delivered")
    reqs = recv["hang-d"].snapshot()
    if len(reqs) >= 2:
        check(9.0 <= reqs[1][2] - reqs[0][2] < 16.0, "retry came after the 10 s timeout: %.1f s"
              % (reqs[1][2] - reqs[0][2]))
        expect_equal(reqs[1][0].get("X-Slawatch-Delivery"), reqs[0][0].get("X-Slawatch-Delivery"),
                     "the retry carries the same delivery id")
        expect_equal(reqs[1][1], reqs[0][1], "the retry carries the same body")
    expect_equal(sent_and_failed(port, "hang-d"), (1.0, 1.0), "timeout counted failed, retry sent")
    check_own_deliveries(port, "bank-a", recv["bank-a"], 2 + n)


def startup_error(binary, tmp, name, alerting, env):
    """`serve` with this alerting section: exit code and the log text."""
    port = free_port()
    path = os.path.join(tmp, name + ".yaml")
    with open(path, "w") as f:
        f.write("server:\n  listen: 127.0.0.1:%d\nstorage:\n  path: %s/%s.db\nrules: [%s/rules/*.yaml]\n%s"
                % (port, tmp, name, tmp, alerting))
    p = subprocess.run([binary, "serve", "--config", path], capture_output=True, timeout=20,
                       text=True, env=env)
    return p.returncode, p.stdout + p.stderr


def test_startup_errors(binary, tmp, env):
    cases = [
        ("unknown-key", "alerting:\n  alertmanager: [\"http://127.0.0.1:9093\"]\n",
         "unknown key 'alertmanager' in alerting (did you mean 'alertmanagers'?)"),
        ("unknown-webhook-key", "alerting:\n  webhooks:\n    - { name: ops, url: \"http://127.0.0.1:9/x\", secret: x }\n",
         "unknown key 'secret' in alerting.webhooks[0]"),
        ("bad-url", "alerting:\n  webhooks:\n    - { name: ops, url: \"127.0.0.1:9/x\" }\n",
         "alerting.webhooks[0].url: expected an http:// or https:// URL, got '127.0.0.1:9/x'"),
        ("bad-alertmanager-url", "alerting:\n  alertmanagers: [\"localhost:9093\"]\n",
         "alerting.alertmanagers[0]: expected an http:// or https:// URL, got 'localhost:9093'"),
        ("missing-secret", "alerting:\n  webhooks:\n    - { name: ops, url: \"http://127.0.0.1:9/x\", secret_env: %s }\n"
         % UNSET_ENV, "alerting.webhooks[0].secret_env: environment variable %s is not set" % UNSET_ENV),
    ]
    for name, alerting, message in cases:
        code, out = startup_error(binary, tmp, name, alerting, env)
        check(code not in (0, None) and message in out, "%s: exit %r, expected %r in %r" % (name, code, message, out[-600:]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--source", required=True)
    args = ap.parse_args()
    started = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="slawatch-webhooks-it-")
    recv = {"bank-a": Receiver(), "bank-b": Receiver(), "slow-c": Receiver(delay=2.0),
            "hang-d": Receiver(hang_first=True)}
    ops = Receiver()
    port, gone_port = free_port(), free_port()   # nothing listens on gone_port
    os.mkdir(os.path.join(tmp, "rules"))
    with open(os.path.join(tmp, "rules", "rules.yaml"), "w") as f:
        f.write(registry({p: r.port for p, r in recv.items()}, gone_port))
    env = {k: v for k, v in os.environ.items() if k != UNSET_ENV}
    env.update({ENV[p]: s for p, s in SECRETS.items()})
    env[OPS_ENV] = OPS_SECRET
    daemon = Daemon(args.binary, os.path.join(tmp, "slawatch.yaml"), os.path.join(tmp, "slawatch.log"), env)
    with open(daemon.config, "w") as f:
        f.write("server:\n  listen: 127.0.0.1:%d\nstorage:\n  path: %s/data/slawatch.db\n"
                "rules: [%s/rules/*.yaml]\nalerting:\n  webhooks:\n    - { name: ops, url: \"http://127.0.0.1:%d/ops\", "
                "secret_env: %s, partners: [bank-a, bank-b] }\n" % (port, tmp, tmp, ops.port, OPS_ENV))
    try:
        daemon.start(port)
        test_partner_isolation_and_slow_200(port, recv, ops)
        test_secret_unset(daemon, port, recv)
        test_unreachable(port)
        test_hanging_receiver(port, recv)
        expect_equal(daemon.stop(), 0, "exit code after SIGTERM")
        test_startup_errors(args.binary, tmp, env)
    except Exception as e:  # a crash of the test itself is a failure too
        FAILURES.append("exception: %r" % e)
        print("FAIL: exception %r" % e, flush=True)
        traceback.print_exc(file=sys.stdout)
    finally:
        if daemon.proc and daemon.proc.poll() is None:
            daemon.proc.send_signal(signal.SIGKILL)
            daemon.proc.wait(timeout=5)
        for r in list(recv.values()) + [ops]:
            r.close()
        code = finish([daemon])
        shutil.rmtree(tmp, ignore_errors=True)
    print("%.1f s" % (time.monotonic() - started))
    return code


if __name__ == "__main__":
    sys.exit(main())
