#!/usr/bin/env python3
"""End-to-end test of rule reloads in `slawatch serve`: a broken rule file is refused with
its file:line:col error and the old rules keep evaluating; a fixed set swapped in by SIGHUP
keeps the obligations of surviving deadline rules and drops those of removed ones; reloads
during continuous ingestion neither lose nor double-evaluate an event.

Usage: test_reload.py --binary PATH --source REPO_ROOT   (Python 3 stdlib only)
Every wait is bounded; the whole test takes about 10 seconds.
"""
import argparse
import datetime
import json
import os
import signal
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_serve as base  # noqa: E402  (shared helpers: Daemon, request, metric_value, ...)

check, expect_equal, FAILURES = base.check, base.expect_equal, base.FAILURES

PARTNERS = """\
partners:
  - id: bank-a
    name: Bank A
    class: bank
"""

AMOUNT_RULE = """\
  - id: amount-positive
    kind: condition
    category: integrity
    severity: major
    description: A collected contribution has a positive amount.
    when: event.type == 'contribution.collected'
    require: event.attributes.amount > %s
"""

REFERENCE_RULE = """\
  - id: reference-present
    kind: condition
    category: integrity
    severity: minor
    description: A collected contribution carries a reference.
    when: event.type == 'contribution.collected'
    require: has(event.attributes.reference)
"""

DEADLINE_RULE = """\
  - id: %s
    kind: deadline
    category: timeliness
    severity: major
    description: A case is %s within an hour.
    start: { when: "event.type == 'case.opened'", key: event.attributes.case_id }
    stop: { when: "event.type == 'case.%s'", key: event.attributes.case_id }
    within: 1h
"""

CLOSED_RULE = DEADLINE_RULE % ("case-closed-1h", "closed", "closed")
ACK_RULE = DEADLINE_RULE % ("case-acked-1h", "acknowledged", "acknowledged")

OLD_RULES = "rules:\n" + AMOUNT_RULE % "0" + REFERENCE_RULE + CLOSED_RULE + ACK_RULE
# Line 5, column 15: the value of `severity`.
BROKEN_RULES = OLD_RULES.replace("severity: major", "severity: huge", 1)
BROKEN_ERROR = "severity: 'huge' is not one of critical, major, minor, info"
NEW_RULES = "rules:\n" + AMOUNT_RULE % "1" + CLOSED_RULE

NOISE = """\
rules:
  - id: noise
    kind: condition
    category: integrity
    severity: info
    description: Never matches (%d).
    when: event.type == 'never.happens'
    require: "true"
"""


def now_rfc3339():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def collected(eid, amount, reference=True):
    attrs = {"amount": amount}
    if reference:
        attrs["reference"] = "ref-" + eid
    return {"id": eid, "partner": "bank-a", "type": "contribution.collected",
            "occurred_at": now_rfc3339(), "attributes": attrs}


def case_opened(eid, case_id):
    return {"id": eid, "partner": "bank-a", "type": "case.opened", "occurred_at": now_rfc3339(),
            "attributes": {"case_id": case_id}}


def write(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)   # a reload never sees half a file


def metrics(port):
    _, _, data = base.request(port, "GET", "/metrics")
    return data.decode()


def rules_body(port):
    status, body, _ = base.get_json(port, "/v1/rules")
    expect_equal(status, 200, "GET /v1/rules")
    return body


def rule_version(body, rule_id):
    return next((r["version"] for r in body["rules"] if r["id"] == rule_id), None)


def wait_for_version_change(port, old, what):
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        body = rules_body(port)
        if body["version"] != old:
            return body
        time.sleep(0.05)
    check(False, what + ": the rule set version did not change within 10 s")
    return rules_body(port)


def obligations(port, rule):
    status, body, _ = base.get_json(port, "/v1/obligations?rule=" + rule)
    expect_equal(status, 200, "GET /v1/obligations?rule=" + rule)
    return sorted(o["key"] for o in body["obligations"])


def log_lines(path):
    out = []
    with open(path, "rb") as f:
        for line in f:
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
    return out


def wait_until(what, fn, timeout=10):
    """Polls fn() until it returns a true value (bounded); returns that value."""
    deadline = time.monotonic() + timeout
    while True:
        got = fn()
        if got or time.monotonic() >= deadline:
            check(bool(got), what + " within %d s" % timeout)
            return got
        time.sleep(0.05)


def reloaded_lines(path):
    return [l for l in log_lines(path) if l.get("msg") == "rules reloaded"]


def test_start(port):
    body = rules_body(port)
    expect_equal(sorted(r["id"] for r in body["rules"]),
                 ["amount-positive", "case-acked-1h", "case-closed-1h", "reference-present"], "rules at start")
    expect_equal(sorted(f["name"].rsplit("/", 1)[-1] for f in body["files"]), ["partners.yaml", "rules.yaml"],
                 "rule files at start")
    check(all(len(f["sha256"]) == 64 for f in body["files"]), "file hashes are sha256 hex")
    amount = next(r for r in body["rules"] if r["id"] == "amount-positive")
    expect_equal({k: amount[k] for k in ("kind", "category", "severity", "enabled", "partners", "labels")},
                 {"kind": "condition", "category": "integrity", "severity": "major", "enabled": True,
                  "partners": {}, "labels": {}}, "a rule as GET /v1/rules shows it")
    check("require" not in amount and "when" not in amount, "no expressions in GET /v1/rules")
    status, result, _ = base.post_events(port, [case_opened("o-1", "C1"), case_opened("o-2", "C2")])
    expect_equal((status, result["accepted"]), (200, 2), "two cases opened")
    for rule in ("case-closed-1h", "case-acked-1h"):
        expect_equal(obligations(port, rule), ["C1", "C2"], "obligations of " + rule + " at start")
    return body


def test_broken_reload(port, rules_path, old):
    write(rules_path, BROKEN_RULES)
    status, _, data = base.request(port, "POST", "/-/reload")
    expect_equal((status, json.loads(data)),
                 (422, {"error": "reload failed", "errors": ["%s:5:15: %s" % (rules_path, BROKEN_ERROR)]}),
                 "a broken rule file is refused with its position")
    expect_equal(rules_body(port)["version"], old["version"], "the old set stays after a refused reload")
    status, result, _ = base.post_events(port, [collected("a-1", 0, reference=False)])
    expect_equal((status, result["accepted"]), (200, 1), "an event after the refused reload")
    keys = {(b["rule"], b["rule_version"]) for b in base.all_breaches(port) if b["key"] == "a-1"}
    expect_equal(keys, {("amount-positive", rule_version(old, "amount-positive")),
                        ("reference-present", rule_version(old, "reference-present"))},
                 "the old rules still evaluate (old versions)")
    text = metrics(port)
    expect_equal(base.metric_value(text, "slawatch_rules_last_reload_successful", {}), 0, "reload failed metric")
    expect_equal(base.metric_value(text, "slawatch_rules_loaded", {}), 4, "rules_loaded keeps the old count")
    return base.metric_value(text, "slawatch_rules_last_reload_timestamp_seconds", {})


def test_sighup_reload(daemon, port, rules_path, old, failed_ts):
    write(rules_path, NEW_RULES)
    daemon.proc.send_signal(signal.SIGHUP)
    new = wait_for_version_change(port, old["version"], "SIGHUP")
    # The version shows once the writer swapped; the reload finishes (metrics, logs) and the
    # dropped state is committed right after.
    wait_until("the SIGHUP reload is logged", lambda: reloaded_lines(daemon.log_path))
    wait_until("the removed deadline's obligations are gone", lambda: not obligations(port, "case-acked-1h"))
    expect_equal(sorted(r["id"] for r in new["rules"]), ["amount-positive", "case-closed-1h"], "rules after SIGHUP")
    check(rule_version(new, "amount-positive") != rule_version(old, "amount-positive"), "the changed rule's version")
    expect_equal(rule_version(new, "case-closed-1h"), rule_version(old, "case-closed-1h"), "the kept rule's version")
    expect_equal(obligations(port, "case-closed-1h"), ["C1", "C2"], "obligations of the kept deadline survive")
    expect_equal(obligations(port, "case-acked-1h"), [], "obligations of the removed deadline are dropped")
    status, result, _ = base.post_events(port, [collected("b-1", 1, reference=False)])
    expect_equal((status, result["accepted"]), (200, 1), "an event after SIGHUP")
    found = {(b["rule"], b["rule_version"]) for b in base.all_breaches(port) if b["key"] == "b-1"}
    expect_equal(found, {("amount-positive", rule_version(new, "amount-positive"))},
                 "breaches carry the new rule_version; the removed rule no longer evaluates")
    text = metrics(port)
    expect_equal(base.metric_value(text, "slawatch_rules_last_reload_successful", {}), 1, "reload ok metric")
    expect_equal(base.metric_value(text, "slawatch_rules_loaded", {}), 2, "rules_loaded after SIGHUP")
    check(base.metric_value(text, "slawatch_rules_last_reload_timestamp_seconds", {}) > failed_ts,
          "reload timestamp moved")
    expect_equal(base.metric_value(text, "slawatch_obligations_open", {"rule": "case-closed-1h"}), 2,
                 "obligations_open of the kept deadline")
    check('slawatch_obligations_open{partner="bank-a",rule="case-acked-1h"}' not in text,
          "the removed deadline's obligations_open series is gone")
    lines = log_lines(daemon.log_path)
    msgs = {(l.get("msg"), l.get("rule")) for l in lines}
    for expected in [("rule changed", "amount-positive"), ("rule removed", "reference-present"),
                     ("rule removed", "case-acked-1h")]:
        check(expected in msgs, "log line %r" % (expected,))
    dropped = [l for l in lines if l.get("msg") == "rule state dropped" and l.get("rule") == "case-acked-1h"]
    check(len(dropped) == 1 and dropped[0].get("obligations") == 2, "dropped obligations logged: %r" % dropped)
    refused = [l for l in lines if l.get("msg", "").startswith("rules reload failed")]
    check(len(refused) == 1 and refused[0].get("errors") == ["%s:5:15: %s" % (rules_path, BROKEN_ERROR)],
          "the refused reload was logged with its errors: %r" % refused)
    return new


def all_pages(port, path):
    out, cursor = [], None
    for _ in range(50):
        status, body, _ = base.get_json(port, path + ("&cursor=" + cursor if cursor else ""))
        if not expect_equal(status, 200, "GET " + path):
            break
        out.extend(body["breaches"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    return out


def ingest_continuously(port, sent, stop, errors):
    n = 0
    while not stop.is_set() or n == 0:
        batch = [collected("c-%05d" % (n + i), -1 if (n + i) % 7 == 0 else 5) for i in range(50)]
        try:
            status, result, _ = base.post_events(port, batch)
            if status != 200 or result["accepted"] != len(batch):
                errors.append((status, result))
        except Exception as e:  # noqa: BLE001  (recorded and reported by the main thread)
            errors.append(repr(e))
        sent.extend(batch)
        n += len(batch)
        time.sleep(0.02)


def outcome_totals(port):
    text = metrics(port)
    labels = {"rule": "amount-positive", "partner": "bank-a"}
    return (base.metric_value(text, "slawatch_rule_outcomes_total", dict(labels, outcome="met")),
            base.metric_value(text, "slawatch_rule_outcomes_total", dict(labels, outcome="breached")))


def test_reloads_during_ingestion(daemon, port, rules_dir, current):
    met0, breached0 = outcome_totals(port)
    sent, stop, errors = [], threading.Event(), []
    poster = threading.Thread(target=ingest_continuously, args=(port, sent, stop, errors))
    poster.start()
    noise = os.path.join(rules_dir, "noise.yaml")
    try:
        time.sleep(0.5)
        write(noise, NOISE % 1)
        status, _, data = base.request(port, "POST", "/-/reload")
        body = json.loads(data)
        expect_equal((status, body["added"], body["changed"], body["removed"], body["rules"]),
                     (200, ["noise"], [], [], 3), "reload 1 (POST) adds a rule")
        time.sleep(0.8)
        write(noise, NOISE % 2)
        daemon.proc.send_signal(signal.SIGHUP)
        after = wait_for_version_change(port, body["version"], "reload 2 (SIGHUP)")
        wait_until("reload 2 is logged", lambda: len(reloaded_lines(daemon.log_path)) >= 3)
        time.sleep(0.8)
        os.remove(noise)
        status, _, data = base.request(port, "POST", "/-/reload")
        body = json.loads(data)
        expect_equal((status, body["added"], body["changed"], body["removed"], body["version"]),
                     (200, [], [], ["noise"], current["version"]), "reload 3 (POST) removes it again")
        check(after["version"] not in (current["version"], body["version"]), "reload 2 changed the version")
        time.sleep(0.8)
    finally:
        stop.set()
        poster.join(timeout=20)
    expect_equal(errors, [], "every batch during the reloads was accepted whole")
    check(len(sent) >= 1000, "a few thousand events were sent (%d)" % len(sent))
    ids = [e["id"] for e in sent]
    expect_equal(len(ids), len(set(ids)), "event ids are unique")
    duplicates = 0
    for i in range(0, len(sent), 1000):
        status, result, _ = base.post_events(port, sent[i:i + 1000])
        duplicates += result["duplicates"] if status == 200 else 0
    expect_equal(duplicates, len(sent), "every event was stored exactly once")
    met1, breached1 = outcome_totals(port)
    expected_breached = sum(1 for e in sent if e["attributes"]["amount"] <= 1)
    expect_equal((met1 - met0, breached1 - breached0), (len(sent) - expected_breached, expected_breached),
                 "each event evaluated exactly once (met, breached)")
    keys = [b["key"] for b in all_pages(port, "/v1/breaches?rule=amount-positive&limit=1000")
            if b["key"].startswith("c-")]
    expect_equal((len(keys), len(set(keys))), (expected_breached, expected_breached), "one breach per bad event")
    print("ingested %d events during 3 reloads" % len(sent), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--source", required=True)
    args = ap.parse_args()
    started = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="slawatch-reload-")
    port = base.free_port()
    rules_dir = os.path.join(tmp, "rules")
    os.mkdir(rules_dir)
    write(os.path.join(rules_dir, "partners.yaml"), PARTNERS)
    rules_path = os.path.join(rules_dir, "rules.yaml")
    write(rules_path, OLD_RULES)
    config = os.path.join(tmp, "slawatch.yaml")
    with open(config, "w") as f:
        f.write("server:\n  listen: 127.0.0.1:%d\nstorage:\n  path: %s/data/slawatch.db\nrules: [%s/*.yaml]\n"
                % (port, tmp, rules_dir))
    daemon = base.Daemon(args.binary, config, os.path.join(tmp, "slawatch.log"))
    def scenario():
        daemon.start(port)
        old = test_start(port)
        failed_ts = test_broken_reload(port, rules_path, old)
        new = test_sighup_reload(daemon, port, rules_path, old, failed_ts)
        test_reloads_during_ingestion(daemon, port, rules_dir, new)
        expect_equal(daemon.kill(signal.SIGTERM), 0, "exit code after SIGTERM")

    return base.run_scenario(daemon, tmp, started, scenario)


if __name__ == "__main__":
    sys.exit(main())
