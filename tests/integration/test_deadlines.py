#!/usr/bin/env python3
"""End-to-end test of deadlines in `slawatch serve`: timers fire on the wall clock with no
further event, a late stop closes the breach, open obligations are listed, and obligations
and timers survive SIGKILL (a timer that came due while the daemon was down fires exactly
once at start-up).

Usage: test_deadlines.py --binary PATH --source REPO_ROOT   (Python 3 stdlib only)
Every wait is bounded; the whole test takes about 15 seconds.
"""
import argparse
import datetime
import os
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_serve as base  # noqa: E402  (shared helpers: Daemon, request, metric_value, ...)

RULES = """\
partners:
  - id: bank-a
    name: Bank A
    class: bank
    timezone: Africa/Nairobi
rules:
  - id: ack-3s
    kind: deadline
    category: timeliness
    severity: major
    description: Tickets are acknowledged within three seconds.
    start: { when: "event.type == 'ticket.opened'", key: event.attributes.ticket }
    stop: { when: "event.type == 'ticket.acked'", key: event.attributes.ticket }
    within: 3s
    warn_at: [50%]
"""

check, expect_equal, FAILURES = base.check, base.expect_equal, base.FAILURES


def utc(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc)


def rfc3339(t):
    return utc(t).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def parse(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def ticket(eid, kind, key, at):
    return {"id": eid, "partner": "bank-a", "type": "ticket." + kind,
            "occurred_at": rfc3339(at), "attributes": {"ticket": key}}


def breaches(port):
    status, body, _ = base.get_json(port, "/v1/breaches?rule=ack-3s&limit=100")
    expect_equal(status, 200, "GET /v1/breaches")
    return body.get("breaches", [])


def obligations(port, query=""):
    status, body, _ = base.get_json(port, "/v1/obligations?limit=100" + query)
    expect_equal(status, 200, "GET /v1/obligations")
    return body.get("obligations", [])


def wait_for(pred, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(0.05)
    return pred()


def metrics(port):
    _, _, data = base.request(port, "GET", "/metrics")
    return data.decode()


def gauge(text, name, **labels):
    return base.metric_value(text, name, dict({"rule": "ack-3s", "partner": "bank-a"}, **labels))


def test_timer_and_late_stop(port):
    opened = time.time()
    status, body, _ = base.post_events(port, ticket("o-1", "opened", "T1", opened))
    expect_equal((status, body["accepted"]), (200, 1), "start accepted")
    listed = obligations(port)
    if expect_equal([o["key"] for o in listed], ["T1"], "T1 is an open obligation"):
        o = listed[0]
        check(0 <= o["elapsed"] < 1, "elapsed is a fraction: %r" % o)
        check(o["started_at"].endswith("+03:00") and o["due_at"].endswith("+03:00"),
              "times in the partner's offset: %r" % o)
        expect_equal(parse(o["due_at"]) - parse(o["started_at"]), 3.0, "due 3 s after the start")
        expect_equal(gauge(metrics(port), "slawatch_obligations_open"), 1, "obligations gauge")
    found = wait_for(lambda: breaches(port), 6)
    waited = time.time() - opened
    if not check(len(found) == 1, "the timer breached T1 with no further event: %r" % found):
        return
    b = found[0]
    check(waited < 4.5, "breach seen %.2f s after the start (due after 3 s)" % waited)
    expect_equal((b["key"], b["status"], b["kind"]), ("T1", "open", "deadline"), "open deadline breach")
    expect_equal(parse(b["due_at"]), parse(rfc3339(opened)) + 3, "due_at")
    late = parse(b["detected_at"]) - parse(b["due_at"])
    check(0 <= late < 0.1, "the timer fired within 100 ms of due: %.3f s late" % late)
    text = metrics(port)
    expect_equal(gauge(text, "slawatch_warnings_total", threshold="50%"), 1, "the 50% warning fired once")
    expect_equal(gauge(text, "slawatch_obligations_open"), 0, "no obligation after the breach")
    expect_equal(gauge(text, "slawatch_breaches_open"), 1, "breaches_open after the timer")
    expect_equal(obligations(port), [], "no obligation listed after the breach")

    acked = time.time()
    status, body, _ = base.post_events(port, ticket("a-1", "acked", "T1", acked))
    expect_equal((status, body["accepted"]), (200, 1), "late stop accepted")
    closed = breaches(port)
    if expect_equal(len(closed), 1, "the late stop makes no new breach"):
        c = closed[0]
        expect_equal((c["id"], c["status"]), (b["id"], "closed"), "the late stop closed the breach")
        expect_equal(parse(c["completed_at"]), parse(rfc3339(acked)), "completed_at = the stop's at")
        check(abs(c["delay_seconds"] - (parse(c["completed_at"]) - parse(c["due_at"]))) < 0.002,
              "delay_seconds = completed_at - due: %r" % c)
    expect_equal(gauge(metrics(port), "slawatch_breaches_open"), 0, "breaches_open after the close")


def test_future_skew(port):
    status, body, _ = base.post_events(port, ticket("f-1", "opened", "F1", time.time() + 600))
    expect_equal((status, body["rejected"]), (200, 1), "an event dated 10 minutes ahead")
    if body["errors"]:
        e = body["errors"][0]
        check(e["reason"] == "invalid_field" and e["error"].startswith("occurred_at: ")
              and e["error"].endswith(" is more than 5m after received_at"), "skew error: %r" % e)


def test_downtime(daemon, port):
    now = time.time()
    batch = [ticket("o-2", "opened", "T2", now), ticket("o-3", "opened", "T3", now + 120)]
    status, body, _ = base.post_events(port, batch)
    expect_equal((status, body["accepted"]), (200, 2), "two starts before the crash")
    daemon.proc.kill()   # SIGKILL with T2 (due in 3 s) and T3 open
    daemon.proc.wait(timeout=10)
    time.sleep(max(0, now + 3.3 - time.time()))   # T2 comes due while the daemon is down
    restarted = time.time()
    daemon.start(port)
    for attempt in ("after the crash", "after a second restart"):
        found = {b["key"]: b for b in breaches(port)}
        expect_equal(sorted(found), ["T1", "T2"], "every breach exactly once " + attempt)
        expect_equal(len(breaches(port)), 2, "no breach doubled " + attempt)
        t2 = found.get("T2")
        if t2:
            expect_equal(t2["status"], "open", "T2 breached open " + attempt)
            check(parse(t2["detected_at"]) >= restarted - 0.01,
                  "T2 detected at start-up, not before: %r (restart %s)" % (t2["detected_at"], rfc3339(restarted)))
            expect_equal(parse(t2["due_at"]), parse(rfc3339(now)) + 3, "T2 keeps its original due " + attempt)
        expect_equal([o["key"] for o in obligations(port)], ["T3"], "T3 still open " + attempt)
        expect_equal([o["key"] for o in obligations(port, "&partner=bank-a&rule=ack-3s")], ["T3"],
                     "filtered obligations " + attempt)
        text = metrics(port)
        expect_equal(gauge(text, "slawatch_obligations_open"), 1, "obligations gauge " + attempt)
        expect_equal(gauge(text, "slawatch_breaches_open"), 1, "breaches_open " + attempt)
        expect_equal(gauge(text, "slawatch_breaches_total"), 2, "breaches_total " + attempt)
        if attempt.startswith("after the crash"):
            expect_equal(daemon.kill(signal.SIGTERM), 0, "clean stop before the second restart")
            daemon.start(port)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--source", required=True)
    args = ap.parse_args()
    started = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="slawatch-deadlines-")
    port = base.free_port()
    os.mkdir(os.path.join(tmp, "rules"))
    with open(os.path.join(tmp, "rules", "deadlines.yaml"), "w") as f:
        f.write(RULES)
    config = os.path.join(tmp, "slawatch.yaml")
    with open(config, "w") as f:
        f.write("server:\n  listen: 127.0.0.1:%d\nstorage:\n  path: %s/data/slawatch.db\n"
                "rules: [%s/rules/*.yaml]\n" % (port, tmp, tmp))
    daemon = base.Daemon(args.binary, config, os.path.join(tmp, "slawatch.log"))
    def scenario():
        daemon.start(port)
        test_timer_and_late_stop(port)
        test_future_skew(port)
        test_downtime(daemon, port)
        expect_equal(daemon.kill(signal.SIGTERM), 0, "exit code after SIGTERM")

    return base.run_scenario(daemon, tmp, started, scenario)


if __name__ == "__main__":
    sys.exit(main())
