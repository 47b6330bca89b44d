#!/usr/bin/env python3
"""`slawatch replay`: problem lines, duplicates, conflicts, out-of-order events, the simulated
clock (a deadline timer fires at --until), the summary, exit codes, and determinism (two runs
give byte-identical output).

Usage: test_replay.py --binary PATH --source REPO_ROOT   (Python 3 stdlib only)
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

RULES = """\
calendars:
  plain: { timezone: Africa/Nairobi, workdays: [mon, tue, wed, thu, fri] }
partners:
  - { id: bank-a, name: Bank A, class: bank, timezone: Africa/Nairobi, calendar: plain }
  - { id: post-b, name: Post B, class: post_office, timezone: Africa/Nairobi, calendar: plain }
rules:
  - id: amount-positive
    kind: condition
    category: integrity
    severity: major
    description: A collected contribution has a positive amount.
    when: event.type == 'contribution.collected'
    require: has(event.attributes.amount) && event.attributes.amount > 0
  - id: remit-within-2h
    kind: deadline
    category: timeliness
    severity: major
    description: A collection is remitted within two hours.
    start: { when: event.type == 'contribution.collected', key: event.attributes.receipt_no }
    stop:  { when: event.type == 'contribution.remitted', key: event.attributes.receipt_nos }
    within: 2h
"""

FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL: " + what, flush=True)
    return cond


def ev(id_, partner, type_, occurred, received=None, **attrs):
    e = {"id": id_, "partner": partner, "type": type_, "occurred_at": occurred, "attributes": attrs}
    if received:
        e["received_at"] = received
    return json.dumps(e)


def build_events():
    lines = [
        ev("c1", "bank-a", "contribution.collected", "2026-11-02T09:00:00+03:00", None, amount=100, receipt_no="R1"),
        ev("c2", "bank-a", "contribution.collected", "2026-11-02T09:05:00+03:00", "2026-11-02T06:06:00Z", amount=0, receipt_no="R2"),
        "",                                                            # blank: skipped
        "{not json",                                                   # line 4
        ev("c3", "bank-z", "contribution.collected", "2026-11-02T09:06:00+03:00", None, amount=5),   # unknown partner
        ev("c1", "bank-a", "contribution.collected", "2026-11-02T09:00:00+03:00", "2026-11-02T06:10:00Z", amount=100, receipt_no="R1"),  # duplicate
        ev("c1", "bank-a", "contribution.collected", "2026-11-02T09:00:00+03:00", "2026-11-02T06:11:00Z", amount=999, receipt_no="R1"),  # conflict
        ev("r1", "bank-a", "contribution.remitted", "2026-11-02T09:30:00+03:00", "2026-11-02T06:30:00Z", receipt_nos=["R1"]),
        ev("p1", "post-b", "contribution.collected", "2026-11-02T08:00:00+03:00", "2026-11-02T05:00:00Z", amount=-1, receipt_no="P1"),  # out of order
        json.dumps({"id": "x1", "partner": "bank-a", "type": "contribution.collected"}),  # no occurred_at
    ]
    return "\n".join(lines) + "\n"


def run(binary, args, cwd):
    p = subprocess.run([binary] + args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def summary_of(err):
    for line in reversed(err.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    return {}


def test_replay(binary, tmp):
    args = ["replay", "--config", "config.yaml", "--events", "events.ndjson", "--until", "2026-11-03T00:00:00Z"]
    code, out, err = run(binary, args, tmp)
    check(code == 0, "replay exit %d: %s" % (code, err))
    s = summary_of(err)
    for k, v in {"events": 9, "accepted": 4, "duplicates": 1, "rejected": 4, "out_of_order": 1,
                 "breaches": 4, "open_obligations": 0, "clock": "2026-11-03T00:00:00.000Z"}.items():
        check(s.get(k) == v, "summary %s: expected %r, got %r (%s)" % (k, v, s.get(k), err))
    check("seconds" in s and "events_per_second" in s, "summary has timing: %r" % s)
    check("line 4: invalid JSON at column 3: syntax error while parsing object key" in err, "malformed line reported: %s" % err)
    check("line 5: partner: unknown partner 'bank-z'" in err, "unknown partner reported: %s" % err)
    check("line 6: id: 'c1' of 'bank-a' repeats an earlier event (duplicate, ignored)" in err, "duplicate: %s" % err)
    check("line 7: id: 'c1' of 'bank-a' already received with different content (conflict)" in err, "conflict: %s" % err)
    check("line 10: occurred_at: required" in err, "invalid field: %s" % err)
    breaches = [json.loads(l) for l in out.splitlines()]
    got = [(b["rule"], b["partner"], b["key"], b["status"]) for b in breaches]
    # Deadlines count from occurred_at: P1 is due 07:00Z, R2 08:05Z. Each timer fires at its
    # own due time while the clock runs to --until, so P1's breach comes first.
    expected = [("amount-positive", "bank-a", "c2", "closed"),
                ("amount-positive", "post-b", "p1", "closed"),
                ("remit-within-2h", "post-b", "P1", "open"),
                ("remit-within-2h", "bank-a", "R2", "open")]
    check(got == expected, "breaches in creation order: %r" % got)
    # The out-of-order event was processed at the clock (06:30Z), its document unchanged.
    p1 = [b for b in breaches if b["key"] == "p1"]
    check(p1 and p1[0]["detected_at"] == "2026-11-02T06:30:00Z", "out-of-order detected_at: %r" % p1)
    r2 = [b for b in breaches if b["key"] == "R2"]
    check(r2 and r2[0]["detected_at"] == "2026-11-02T08:05:00Z", "deadline fired at its due time: %r" % r2)
    code2, out2, err2 = run(binary, args, tmp)
    check(code2 == 0 and out2 == out, "two runs give byte-identical breaches")
    s2 = summary_of(err2)
    s2.pop("seconds", None), s2.pop("events_per_second", None), s.pop("seconds", None), s.pop("events_per_second", None)
    check(s == s2, "two runs give the same summary: %r vs %r" % (s, s2))


def test_without_until(binary, tmp):
    code, out, err = run(binary, ["replay", "--config", "config.yaml", "--events", "events.ndjson"], tmp)
    s = summary_of(err)
    check(code == 0 and s.get("clock") == "2026-11-02T06:30:00.000Z", "clock at the last event: %r" % s)
    check(s.get("open_obligations") == 2 and s.get("breaches") == 2, "R2 and P1 still open: %r" % s)


def test_errors(binary, tmp):
    code, _, err = run(binary, ["replay", "--config", "config.yaml", "--events", "events.ndjson",
                                "--until", "2026-11-02T06:00:00Z"], tmp)
    check(code == 2 and "--until 2026-11-02T06:00:00Z is before the event on line 2" in err, "until too early: %d %s" % (code, err))
    code, _, err = run(binary, ["replay", "--config", "config.yaml", "--events", "events.ndjson", "--until", "tomorrow"], tmp)
    check(code == 2 and "--until: not an RFC 3339 timestamp: 'tomorrow'" in err, "bad until: %d %s" % (code, err))
    code, _, err = run(binary, ["replay", "--config", "config.yaml"], tmp)
    check(code == 2 and "replay needs --events FILE.ndjson" in err, "missing events: %d %s" % (code, err))
    code, _, err = run(binary, ["replay", "--config", "config.yaml", "--events", "missing.ndjson"], tmp)
    check(code == 1 and "missing.ndjson: cannot read: No such file or directory" in err, "missing file: %d %s" % (code, err))
    with open(os.path.join(tmp, "bad.yaml"), "w") as f:
        f.write("rules: [broken-rules.yaml]\n")
    with open(os.path.join(tmp, "broken-rules.yaml"), "w") as f:
        f.write("rules:\n  - id: x\n    kind: condition\n    nonsense: 1\n")
    code, out, err = run(binary, ["replay", "--config", "bad.yaml", "--events", "events.ndjson"], tmp)
    check(code == 1 and "broken-rules.yaml:4:5: " in err and out == "", "rule error: %d %s" % (code, err))


def test_generated(binary, tmp, source):
    """20,000 generated events through the shipped packs: counts add up, runs are identical."""
    events = os.path.join(tmp, "generated.ndjson")
    with open(events, "w") as f:
        subprocess.run([sys.executable, os.path.join(source, "bench", "gen_events.py"), "--events", "20000"],
                       stdout=f, check=True, timeout=120)
    with open(os.path.join(tmp, "shipped.yaml"), "w") as f:
        f.write("rules: [%s]\n" % os.path.join(source, "rules", "*.yaml"))
    args = ["replay", "--config", "shipped.yaml", "--events", "generated.ndjson"]
    code, out, err = run(binary, args, tmp)
    s = summary_of(err)
    check(code == 0 and s.get("events") == 20000, "generated replay: %d %s" % (code, err[-500:]))
    check(s.get("accepted", 0) + s.get("duplicates", 0) == 20000 and s.get("rejected") == 0,
          "every generated line accepted or duplicate: %r" % s)
    check(s.get("breaches", 0) > 0 and len(out.splitlines()) == s.get("breaches"), "breach lines: %r" % s)
    check("... and %d more problem lines" % (s.get("duplicates", 0) - 20) in err, "problem lines bounded: %s" % err[-300:])
    code2, out2, _ = run(binary, args, tmp)
    check(code2 == 0 and out2 == out, "generated replay is deterministic")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--source", required=True)
    a = ap.parse_args()
    a.binary = os.path.abspath(a.binary)
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "rules.yaml"), "w") as f:
            f.write(RULES)
        with open(os.path.join(tmp, "config.yaml"), "w") as f:
            f.write("rules: [rules.yaml]\n")
        with open(os.path.join(tmp, "events.ndjson"), "w") as f:
            f.write(build_events())
        tests = (test_replay, test_without_until, test_errors, test_generated)
        failed = 0
        for t in tests:
            before = len(FAILURES)
            if t is test_generated:
                t(a.binary, tmp, os.path.abspath(a.source))
            else:
                t(a.binary, tmp)
            failed += len(FAILURES) != before
            print("%s %s" % ("ok" if len(FAILURES) == before else "FAILED", t.__name__), flush=True)
    print("%d passed, %d failed" % (len(tests) - failed, failed))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
