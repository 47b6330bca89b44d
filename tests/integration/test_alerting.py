#!/usr/bin/env python3
"""End-to-end test of notifications (contract 9) with real peers: a real Alertmanager
(Debian's prometheus-alertmanager) routing to a webhook receiver of this test, a partner
webhook receiver that verifies the HMAC signature and refuses each delivery once (forcing a
retry), a receiver that answers 400 (dead letter), Alertmanager down at first, and a
SIGKILL restart of slawatch mid-way.

Usage: test_alerting.py --binary PATH --source REPO_ROOT   (Python 3 stdlib only)
Every wait is bounded; the whole test takes well under 90 s.
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
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_serve import (FAILURES, Daemon, check, expect_equal, free_port, get_json,  # noqa: E402
                        metric_value, post_events, request)

ALERTMANAGER = shutil.which("prometheus-alertmanager") or "/usr/bin/prometheus-alertmanager"
SECRET = "s3cret-for-bank-a"

RULES = """\
partners:
  - id: bank-a
    name: Bank A
    class: bank
    report: { webhook: "http://127.0.0.1:%(bank_port)d/hook", secret_env: SLAWATCH_IT_BANK_A_SECRET }
  - id: post-b
    name: Post B
    class: post_office
    report: { webhook: "http://127.0.0.1:%(refusing_port)d/hook" }
rules:
  - id: amount-positive
    kind: condition
    category: integrity
    severity: major
    description: A collected contribution has a positive amount.
    labels: { team: finance }
    reference: SLA-2026-014 section 3
    when: event.type == 'contribution.collected'
    require: has(event.attributes.amount) && event.attributes.amount > 0
"""

AM_CONFIG = """\
route:
  receiver: hook
  group_by: [alertname, rule, partner]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs:
      - url: http://127.0.0.1:%d/am
        send_resolved: true
"""


class Receiver:
    """A webhook receiver on a free port, recording every request.
    mode: "retry-once" answers 503 the first time a delivery id arrives, then 200;
    "refuse" answers 400; "ok" answers 200."""

    def __init__(self, mode):
        self.mode, self.requests, self.seen = mode, [], set()
        self.lock = threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with outer.lock:
                    outer.requests.append((self.path, dict(self.headers.items()), body))
                    delivery = self.headers.get("X-Slawatch-Delivery")
                    first = delivery not in outer.seen
                    outer.seen.add(delivery)
                status = 200
                if outer.mode == "refuse":
                    status = 400
                elif outer.mode == "retry-once" and first:
                    status = 503
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def snapshot(self):
        with self.lock:
            return list(self.requests)

    def close(self):
        self.server.shutdown()


def wait_for(what, fn, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(0.2)
    check(False, "timed out after %ss waiting for %s" % (timeout, what))
    return None


class Alertmanager:
    def __init__(self, tmp, receiver_port):
        self.tmp, self.port, self.proc = tmp, free_port(), None
        self.config = os.path.join(tmp, "am.yml")
        with open(self.config, "w") as f:
            f.write(AM_CONFIG % receiver_port)

    def start(self):
        log = open(os.path.join(self.tmp, "am.log"), "ab")
        self.proc = subprocess.Popen(
            [ALERTMANAGER, "--config.file=" + self.config,
             "--storage.path=" + os.path.join(self.tmp, "am-data"),
             "--web.listen-address=127.0.0.1:%d" % self.port, "--cluster.listen-address="],
            stdout=log, stderr=log)
        ready = wait_for("alertmanager ready", lambda: self.ready(), 20)
        if not ready:
            raise RuntimeError("alertmanager did not start")

    def ready(self):
        try:
            return request(self.port, "GET", "/-/ready")[0] == 200
        except OSError:
            return False

    def alerts(self, alertname):
        q = urllib.parse.quote('alertname="%s"' % alertname)
        status, _, data = request(self.port, "GET", "/api/v2/alerts?filter=" + q)
        return json.loads(data) if status == 200 else []

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def breach_event(eid, partner="bank-a"):
    return {"id": eid, "partner": partner, "type": "contribution.collected",
            "occurred_at": "2026-11-26T09:15:00+03:00", "attributes": {"amount": 0}}


def post_breaches(port, ids, partner="bank-a"):
    status, body, _ = post_events(port, [breach_event(i, partner) for i in ids])
    expect_equal(status, 200, "POST /v1/events status")
    return body


def breaches_of(port, partner):
    status, body, _ = get_json(port, "/v1/breaches?limit=1000&partner=" + partner)
    return body["breaches"] if status == 200 else []


def test_alert_arrives_after_outage(am, port, am_hook):
    """Alertmanager is down when the breaches happen; it starts 3 s later and still gets
    the alert, with the exact labels and annotations; then the alert resolves after hold."""
    # A breach every 0.7 s keeps the pair inside the 2 s hold until the alert is seen.
    stop = threading.Event()

    def poster():
        n = 0
        while not stop.is_set() and n < 30:
            n += 1
            post_breaches(port, ["a-%d" % n])
            stop.wait(0.7)
    t = threading.Thread(target=poster)
    t.start()
    try:
        time.sleep(3)   # Alertmanager is down meanwhile: the outbox holds the alert
        am.start()
        alerts = wait_for("SLABreach in Alertmanager", lambda: am.alerts("SLABreach"), 10)
    finally:
        stop.set()
        t.join()
    time.sleep(0.5)   # the last breach's update reaches Alertmanager (sent on change)
    alerts = am.alerts("SLABreach")
    if not check(bool(alerts), "alert still active right after the last breach"):
        return
    expect_equal(len(alerts), 1, "one alert per (rule, partner)")
    a = alerts[0]
    latest = breaches_of(port, "bank-a")[:1]   # newest first
    expect_equal(a["labels"], {"alertname": "SLABreach", "rule": "amount-positive",
                               "partner": "bank-a", "category": "integrity",
                               "severity": "major", "team": "finance"}, "alert labels")
    ann = dict(a["annotations"])
    check(ann.pop("breaches", "") in ("2", "3", "4"), "breaches annotation counts the hold window")
    expect_equal(ann, {"summary": "A collected contribution has a positive amount.",
                       "description": latest[0]["message"] if latest else None,
                       "latest_breach": latest[0]["id"] if latest else None,
                       "reference": "SLA-2026-014 section 3"}, "alert annotations")
    # hold 2s, resend 1s: resolved (endsAt = now) within a few seconds, and Alertmanager
    # routes the resolution to its webhook.
    wait_for("alert resolved in Alertmanager", lambda: not am.alerts("SLABreach"), 12)

    def resolved_seen():
        for _, _, body in am_hook.snapshot():
            msg = json.loads(body)
            if msg.get("status") == "resolved" and msg["commonLabels"].get("alertname") == "SLABreach":
                return True
        return False
    wait_for("resolved notification routed by Alertmanager", resolved_seen, 10)
    firing = [json.loads(b) for _, _, b in am_hook.snapshot() if json.loads(b).get("status") == "firing"]
    check(len(firing) >= 1, "Alertmanager routed the firing alert")


def verify_partner_deliveries(port, bank, expected_ids):
    """Every bank-a breach reached the receiver, signed, with a stable delivery id."""
    def complete():
        ok = [r for r in bank.snapshot() if r[1].get("X-Slawatch-Delivery")]
        delivered = {}
        for _, headers, body in ok:
            delivered.setdefault(headers["X-Slawatch-Delivery"], []).append((headers, body))
        done = [d for d, attempts in delivered.items() if len(attempts) >= 2]   # 503, then 200
        return delivered if len(done) >= len(expected_ids) else None
    delivered = wait_for("all partner deliveries", complete, 30) or {}
    breach_ids = set()
    for delivery, attempts in delivered.items():
        check(len(attempts) >= 2, "delivery %s was retried after the 503" % delivery)
        bodies = {b for _, b in attempts}
        expect_equal(len(bodies), 1, "every attempt of %s has the same body" % delivery)
        for headers, body in attempts:
            sig = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            expect_equal(headers.get("X-Slawatch-Signature"), sig, "signature of " + delivery)
            expect_equal(headers.get("Content-Type"), "application/json", "content type")
        breach_ids.add(json.loads(attempts[0][1])["id"])
    expect_equal(len(delivered), len(expected_ids), "unique deliveries = breaches (no loss, no extra)")
    expect_equal(breach_ids, set(expected_ids), "delivered breach ids")


def test_partner_webhook_across_restart(daemon, port, bank):
    post_breaches(port, ["p-1", "p-2"])
    code = daemon.kill(signal.SIGKILL)   # outbox items may be pending or mid-retry
    check(code is not None, "slawatch killed")
    daemon.start(port)
    post_breaches(port, ["p-3"])
    ids = [b["id"] for b in breaches_of(port, "bank-a")]
    verify_partner_deliveries(port, bank, ids)


def test_dead_letter(port, refusing):
    post_breaches(port, ["d-1"], partner="post-b")

    def dead():
        status, body, _ = get_json(port, "/v1/notifications?state=dead")
        return body["notifications"] if status == 200 and body["notifications"] else None
    items = wait_for("dead letter listed", dead, 10) or []
    expect_equal(len(items), 1, "one dead letter")
    if items:
        it = items[0]
        expect_equal((it["sink"], it["event"], it["state"], it["attempts"], it["last_error"]),
                     ("partner:post-b", "opened", "dead", 1, "HTTP 400"), "dead letter")
    expect_equal(len(refusing.snapshot()), 1, "a 400 is not retried")
    status, body, _ = get_json(port, "/v1/notifications?state=gone")
    expect_equal((status, body), (400, {"error": "state: expected dead or pending"}), "bad state")


def test_metrics(port):
    _, _, data = request(port, "GET", "/metrics")
    text = data.decode()
    check(metric_value(text, "slawatch_notifications_total",
                       {"sink": "partner:bank-a", "result": "sent"}) >= 1, "sent counted")
    check(metric_value(text, "slawatch_notifications_total",
                       {"sink": "partner:post-b", "result": "failed"}) == 1, "dead letter counted failed")
    check(metric_value(text, "slawatch_notifications_total",
                       {"sink": "alertmanager", "result": "sent"}) >= 1, "alertmanager sends counted")
    check("slawatch_notification_queue_length{sink=\"partner:bank-a\"} 0" in text, "queue drained")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--source", required=True)
    args = ap.parse_args()
    if not os.path.exists(ALERTMANAGER):
        print("FAILED: prometheus-alertmanager is not installed (scripts/deps.sh)")
        return 1
    started = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="slawatch-alert-it-")
    am_hook, bank, refusing = Receiver("ok"), Receiver("retry-once"), Receiver("refuse")
    am = Alertmanager(tmp, am_hook.port)
    port = free_port()
    os.mkdir(os.path.join(tmp, "rules"))
    with open(os.path.join(tmp, "rules", "rules.yaml"), "w") as f:
        f.write(RULES % {"bank_port": bank.port, "refusing_port": refusing.port})
    config = os.path.join(tmp, "slawatch.yaml")
    with open(config, "w") as f:
        f.write("server:\n  listen: 127.0.0.1:%d\nstorage:\n  path: %s/data/slawatch.db\n"
                "rules: [%s/rules/*.yaml]\nalerting:\n  alertmanagers: [\"http://127.0.0.1:%d\"]\n"
                "  resend_interval: 1s\n  hold: 2s\n" % (port, tmp, tmp, am.port))
    os.environ["SLAWATCH_IT_BANK_A_SECRET"] = SECRET
    daemon = Daemon(args.binary, config, os.path.join(tmp, "slawatch.log"))
    ok = False
    try:
        daemon.start(port)
        test_alert_arrives_after_outage(am, port, am_hook)
        test_partner_webhook_across_restart(daemon, port, bank)
        test_dead_letter(port, refusing)
        test_metrics(port)
        expect_equal(daemon.kill(signal.SIGTERM), 0, "exit code after SIGTERM")
        ok = not FAILURES
    except Exception as e:  # a crash of the test itself is a failure too
        FAILURES.append("exception: %r" % e)
        print("FAIL: exception %r" % e, flush=True)
        traceback.print_exc(file=sys.stdout)
    finally:
        if daemon.proc and daemon.proc.poll() is None:
            daemon.proc.kill()
            daemon.proc.wait(timeout=5)
        am.stop()
        for r in (am_hook, bank, refusing):
            r.close()
        if not ok:
            for name in ("slawatch.log", "am.log"):
                path = os.path.join(tmp, name)
                if os.path.exists(path):
                    with open(path, "rb") as f:
                        sys.stdout.write("--- %s (last 30 lines) ---\n" % name)
                        sys.stdout.write(b"".join(f.readlines()[-30:]).decode(errors="replace"))
        shutil.rmtree(tmp, ignore_errors=True)
    print("%s: %d failure(s) in %.1f s" % ("OK" if ok else "FAILED", len(FAILURES), time.monotonic() - started))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
