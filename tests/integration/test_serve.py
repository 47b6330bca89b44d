#!/usr/bin/env python3
"""End-to-end test of `slawatch serve`: ingestion, the read API, metrics, crash safety and
graceful shutdown, against the real binary on a free loopback port.

Usage: test_serve.py --binary PATH --source REPO_ROOT   (Python 3 stdlib only)
Every wait is bounded; the whole test takes a few seconds.
"""
import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

RULES = """\
partners:
  - id: bank-a
    name: Bank A
    class: bank
    timezone: Africa/Nairobi
  - id: post-b
    name: Post B
    class: post_office
rules:
  - id: amount-positive
    kind: condition
    category: integrity
    severity: major
    description: A collected contribution has a positive amount.
    when: event.type == 'contribution.collected'
    require: has(event.attributes.amount) && event.attributes.amount > 0
"""

MAX_BODY = 60000
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


class Daemon:
    def __init__(self, binary, config, log_path):
        self.binary, self.config, self.log_path = binary, config, log_path
        self.proc = None

    def start(self, port):
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([self.binary, "serve", "--config", self.config],
                                     stdout=log, stderr=log)
        self.port = port
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("slawatch exited during start-up with %d" % self.proc.returncode)
            try:
                status, _, _ = request(port, "GET", "/-/ready")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("slawatch not ready within 20 s")

    def kill(self, sig):
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
            return None


def request(port, method, path, body=None, content_type=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        headers = {}
        if content_type is not None:
            headers["Content-Type"] = content_type
        if isinstance(body, str):
            body = body.encode()
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, dict(resp.getheaders()), data
    finally:
        conn.close()


def post_events(port, body, content_type="application/json"):
    if not isinstance(body, (str, bytes)):
        body = json.dumps(body)
    status, headers, data = request(port, "POST", "/v1/events", body, content_type)
    return status, json.loads(data) if data else None, headers


def get_json(port, path):
    status, headers, data = request(port, "GET", path)
    return status, json.loads(data), headers


def event(eid, amount=10, partner="bank-a", **extra):
    ev = {"id": eid, "partner": partner, "type": "contribution.collected",
          "occurred_at": "2026-11-26T09:15:00+03:00", "attributes": {"amount": amount}}
    ev.update(extra)
    return ev


def metric_value(text, name, labels):
    """Sum of every series of `name` whose labels include `labels`."""
    total, found = 0.0, False
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$', line)
        if not m or m.group(1) != name:
            continue
        have = dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
        if all(have.get(k) == v for k, v in labels.items()):
            total += float(m.group(4))
            found = True
    return total if found else 0.0


def all_breaches(port, query=""):
    """Every breach via cursor paging with limit=2."""
    out, cursor, pages = [], None, 0
    while pages < 100:
        path = "/v1/breaches?limit=2" + query + ("&cursor=" + cursor if cursor else "")
        status, body, _ = get_json(port, path)
        if not expect_equal(status, 200, "GET " + path):
            break
        out.extend(body["breaches"])
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    return out


def test_ingestion(port):
    status, body, _ = post_events(port, event("e-1"))
    expect_equal((status, body), (200, {"accepted": 1, "duplicates": 0, "rejected": 0, "errors": []}),
                 "one object")
    status, body, _ = post_events(port, [event("e-2"), event("e-3", amount=-5), event("e-4", amount=0)])
    expect_equal((status, body["accepted"]), (200, 3), "an array")
    ndjson = json.dumps(event("e-5")) + "\n\n" + json.dumps(event("e-6", amount=-1)) + "\n"
    status, body, _ = post_events(port, ndjson, "application/x-ndjson")
    expect_equal((status, body["accepted"]), (200, 2), "NDJSON")
    status, body, _ = post_events(port, event("e-1"))
    expect_equal((status, body["duplicates"], body["accepted"]), (200, 1, 0), "a duplicate")
    status, body, _ = post_events(port, event("e-1", amount=99))
    expect_equal((status, body["rejected"]), (200, 1), "a conflict")
    expect_equal(body["errors"], [{"index": 0, "id": "e-1", "reason": "conflict",
                                   "error": "id: already received with different content"}], "conflict entry")
    bad = [event("b-1", occurred_at="yesterday"), event("b-2", partner="bank-z"),
           {"id": "b-3", "partner": "bank-a", "type": "x.y", "occurred_at": "2026-11-26T09:15:00Z", "colour": "red"}]
    status, body, _ = post_events(port, bad)
    expect_equal((status, body["accepted"], body["rejected"]), (200, 0, 3), "bad events")
    expect_equal([(e["index"], e["reason"], e["error"]) for e in body["errors"]],
                 [(0, "invalid_field", "occurred_at: not an RFC 3339 timestamp"),
                  (1, "unknown_partner", "partner: unknown partner 'bank-z'"),
                  (2, "invalid_field", "colour: unknown field")], "bad event errors")


def test_request_errors(port):
    status, body, _ = post_events(port, '{"id": "x",\n  "partner": }')
    check(status == 400 and body["error"].startswith("body: invalid JSON at line 2, column"),
          "malformed JSON: %r %r" % (status, body))
    ndjson = json.dumps(event("n-1")) + "\n{not json\n" + json.dumps(event("n-2")) + "\n"
    status, body, _ = post_events(port, ndjson, "application/x-ndjson")
    check(status == 400 and body["error"].startswith("body: invalid JSON at line 2,"),
          "NDJSON bad middle line: %r %r" % (status, body))
    status, body, headers = post_events(port, json.dumps(event("t-1")), "text/plain")
    expect_equal((status, body["error"]), (415, "content-type: expected application/json or "
                                                 "application/x-ndjson, got 'text/plain'"), "wrong content type")
    expect_equal(headers.get("Content-Type"), "application/json", "error content type")
    big = json.dumps([event("big-%d" % i) for i in range(600)])
    check(len(big) > MAX_BODY, "the big body is over the limit")
    status, body, _ = post_events(port, big)
    expect_equal((status, body), (413, {"error": "body: larger than the limit of %d bytes" % MAX_BODY}),
                 "over-limit body")
    status, body, _ = get_json(port, "/v1/nothing")
    expect_equal((status, body), (404, {"error": "not found"}), "unknown path")
    status, headers, _ = request(port, "DELETE", "/v1/events")
    expect_equal((status, headers.get("Allow")), (405, "POST"), "wrong method")
    # nothing of the refused requests was stored
    status, body, _ = post_events(port, [event("n-1"), event("t-1"), event("big-0")])
    expect_equal(body["accepted"], 3, "refused requests stored nothing")


def test_read_api(port):
    breaches = all_breaches(port)
    expect_equal(sorted(b["key"] for b in breaches), ["e-3", "e-4", "e-6"], "breach keys (paged)")
    expect_equal(len({b["id"] for b in breaches}), 3, "breach ids are distinct")
    status, body, _ = get_json(port, "/v1/breaches?partner=bank-a&rule=amount-positive&status=closed")
    expect_equal((status, len(body["breaches"])), (200, 3), "filtered breaches")
    status, body, _ = get_json(port, "/v1/breaches?severity=critical")
    expect_equal((status, body), (200, {"breaches": [], "next_cursor": None}), "no critical breaches")
    status, body, _ = get_json(port, "/v1/breaches?partner=post-b")
    expect_equal(len(body["breaches"]), 0, "no breaches for another partner")
    status, body, _ = get_json(port, "/v1/breaches?limit=0")
    expect_equal((status, body), (400, {"error": "limit: expected an integer from 1 to 1000"}), "bad limit")
    status, body, _ = get_json(port, "/v1/breaches?cursor=bogus")
    expect_equal((status, body), (400, {"error": "cursor: invalid"}), "bad cursor")
    status, body, _ = get_json(port, "/v1/breaches?since=yesterday")
    expect_equal((status, body), (400, {"error": "since: not an RFC 3339 timestamp"}), "bad since")
    status, body, _ = get_json(port, "/v1/breaches?until=2000-01-01T00:00:00Z")
    expect_equal((status, len(body["breaches"])), (200, 0), "until before everything")
    if breaches:
        b = breaches[0]
        status, one, _ = get_json(port, "/v1/breaches/" + b["id"])
        expect_equal((status, one), (200, b), "one breach by id")
        for field in ("rule", "kind", "category", "severity", "partner", "status", "evidence"):
            check(field in one, "breach has " + field)
        expect_equal((one["kind"], one["status"]), ("condition", "closed"), "condition breach is closed")
    status, body, _ = get_json(port, "/v1/breaches/b-0000000000000000")
    expect_equal((status, body), (404, {"error": "breach not found"}), "unknown breach")
    status, body, _ = get_json(port, "/v1/partners")
    expect_equal(sorted(p["id"] for p in body["partners"]), ["bank-a", "post-b"], "partners")
    status, _, data = request(port, "GET", "/-/healthy")
    expect_equal((status, data), (200, b"OK"), "healthy")


def test_metrics(port, accepted, breached, met):
    status, headers, data = request(port, "GET", "/metrics")
    expect_equal(status, 200, "metrics status")
    expect_equal(headers.get("Content-Type"), "text/plain; version=0.0.4; charset=utf-8", "metrics type")
    text = data.decode()
    expect_equal(metric_value(text, "slawatch_events_received_total",
                              {"partner": "bank-a", "type": "contribution.collected"}), accepted, "events received")
    expect_equal(metric_value(text, "slawatch_events_duplicate_total", {"partner": "bank-a"}), 1, "duplicates")
    expect_equal(metric_value(text, "slawatch_events_rejected_total", {"reason": "conflict"}), 1, "conflicts")
    expect_equal(metric_value(text, "slawatch_events_rejected_total", {"reason": "malformed"}), 2, "malformed")
    expect_equal(metric_value(text, "slawatch_events_rejected_total", {"reason": "too_large"}), 1, "too large")
    expect_equal(metric_value(text, "slawatch_events_rejected_total", {"reason": "unknown_partner"}), 1,
                 "unknown partner")
    expect_equal(metric_value(text, "slawatch_events_rejected_total", {"reason": "invalid_field"}), 2,
                 "invalid fields")
    labels = {"rule": "amount-positive", "partner": "bank-a"}
    expect_equal(metric_value(text, "slawatch_breaches_total",
                              dict(labels, category="integrity", severity="major")), breached, "breaches_total")
    expect_equal(metric_value(text, "slawatch_rule_outcomes_total", dict(labels, outcome="breached")),
                 breached, "breached outcomes")
    expect_equal(metric_value(text, "slawatch_rule_outcomes_total", dict(labels, outcome="met")), met,
                 "met outcomes")
    check(metric_value(text, "slawatch_ingest_request_seconds_count", {}) > 0, "ingest_request_seconds")
    promtool = shutil.which("promtool")
    if check(promtool is not None, "promtool is installed"):
        p = subprocess.run([promtool, "check", "metrics"], input=data, capture_output=True, timeout=20)
        check(p.returncode == 0, "promtool check metrics: %d %s%s" % (p.returncode, p.stdout.decode(),
                                                                       p.stderr.decode()))
    return text


def test_waive(daemon, port):
    b = [x for x in all_breaches(port) if x["key"] == "e-3"][0]
    path = "/v1/breaches/%s/waive" % b["id"]
    status, _, data = request(port, "POST", path, json.dumps({"reason": "test waiver secret-xyz"}),
                              "application/json")
    body = json.loads(data)
    expect_equal((status, body["status"], body["waived_reason"]), (200, "waived", "test waiver secret-xyz"),
                 "waive answers the waived breach")
    status, one, _ = get_json(port, "/v1/breaches/" + b["id"])
    expect_equal((status, one["status"]), (200, "waived"), "GET shows the breach waived")
    status, _, data = request(port, "POST", path, json.dumps({"reason": "again"}), "application/json")
    expect_equal((status, json.loads(data)), (409, {"error": "breach already waived"}), "second waive")
    status, _, data = request(port, "POST", path, json.dumps({}), "application/json")
    expect_equal((status, json.loads(data)), (400, {"error": "reason: required"}), "waive without reason")
    _, _, data = request(port, "GET", "/metrics")
    expect_equal(metric_value(data.decode(), "slawatch_rule_outcomes_total",
                              {"rule": "amount-positive", "outcome": "waived"}), 1, "waived outcomes")
    with open(daemon.log_path, "rb") as f:
        log = f.read().decode(errors="replace")
    check('"audit":"waiver"' in log, "the waive is logged for audit")
    check("secret-xyz" not in log, "the reason is never logged")


def test_crash_and_restart(daemon, port):
    batch = [event("k-%03d" % i, amount=(-1 if i % 10 == 0 else 5)) for i in range(200)]
    status, body, _ = post_events(port, batch)
    expect_equal((status, body["accepted"]), (200, 200), "batch before the crash")
    daemon.proc.kill()   # SIGKILL right after the 200
    daemon.proc.wait(timeout=10)
    daemon.start(port)
    status, body, _ = post_events(port, batch)
    expect_equal((status, body["accepted"], body["duplicates"]), (200, 0, 200),
                 "every acknowledged event survived the crash")
    keys = [b["key"] for b in all_breaches(port, "&rule=amount-positive")]
    expect_equal(len(keys), len(set(keys)), "no breach doubled")
    expected = {"e-3", "e-4", "e-6"} | {"k-%03d" % i for i in range(0, 200, 10)}
    expect_equal(set(keys), expected, "every breach present after restart")
    _, _, data = request(port, "GET", "/metrics")
    expect_equal(metric_value(data.decode(), "slawatch_breaches_total", {"rule": "amount-positive"}),
                 len(expected), "breaches_total restored")


def test_keep_alive(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        for path in ("/-/healthy", "/v1/partners", "/v1/breaches?limit=1"):
            conn.request("GET", path)
            resp = conn.getresponse()
            resp.read()
            expect_equal(resp.status, 200, "keep-alive request " + path)
    finally:
        conn.close()


def test_sigterm_during_request(daemon, port):
    """SIGTERM while a batch is in flight: either it is answered 200 and stored, or it is not
    answered and nothing of it is stored (never half)."""
    batch = [event("s-%03d" % i) for i in range(300)]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    answered = None
    try:
        conn.request("POST", "/v1/events", body=json.dumps(batch), headers={"Content-Type": "application/json"})
        daemon.proc.send_signal(signal.SIGTERM)
        resp = conn.getresponse()
        answered = (resp.status, json.loads(resp.read()))
    except (OSError, http.client.HTTPException):
        answered = None
    finally:
        conn.close()
    expect_equal(daemon.proc.wait(timeout=15), 0, "exit code after SIGTERM during a request")
    print("SIGTERM during a request: %s" % ("answered" if answered else "not answered"), flush=True)
    if answered is not None:
        expect_equal((answered[0], answered[1]["accepted"]), (200, 300), "in-flight batch finished")
    daemon.start(port)
    status, body, _ = post_events(port, batch)
    check(status == 200 and body["duplicates"] in (0, 300) and (answered is None or body["duplicates"] == 300),
          "in-flight batch stored whole or not at all: answered=%r, repost=%r" % (answered is not None, body))


def test_cli(binary, tmp, config):
    def run(*argv):
        p = subprocess.run([binary] + list(argv), capture_output=True, timeout=20, text=True)
        return p.returncode, p.stdout, p.stderr
    code, out, err = run("version")
    check(code == 0 and re.match(r"^slawatch \d+\.\d+\.\d+ \(revision \S+\)\n$", out), "version: %r" % out)
    code, out, err = run("check", "--config", config)
    expect_equal((code, out), (0, "OK: 1 rules, 2 partners, 0 calendars\n"), "check")
    bad = os.path.join(tmp, "bad-rules.yaml")
    with open(bad, "w") as f:
        f.write("rules:\n  - id: Bad\n")
    code, out, err = run("check", "--config", config, bad)
    check(code == 1 and err.startswith(bad + ":2:"), "check with a bad rule file: %d %r" % (code, err))
    code, out, err = run("frobnicate")
    check(code == 2 and "usage:" in err, "unknown command: %d %r" % (code, err))
    code, out, err = run("serve", "--nope")
    check(code == 2 and "unknown flag '--nope'" in err, "bad flag: %d %r" % (code, err))


def run_scenario(daemon, tmp, started, scenario):
    """Runs `scenario()` against a started-or-not daemon; any exception is a failure. Always
    kills a daemon still running, prints its last log lines on failure, removes `tmp`, and
    prints the closing line. Returns the exit code for main()."""
    ok = False
    try:
        scenario()
        ok = not FAILURES
    except Exception as e:  # a crash of the test itself is a failure too
        FAILURES.append("exception: %r" % e)
        print("FAIL: exception %r" % e, flush=True)
        traceback.print_exc(file=sys.stdout)
    finally:
        if daemon.proc and daemon.proc.poll() is None:
            daemon.proc.kill()
            daemon.proc.wait(timeout=5)
        if not ok:
            with open(daemon.log_path, "rb") as f:
                sys.stdout.write("--- slawatch log (last 40 lines) ---\n")
                sys.stdout.write(b"".join(f.readlines()[-40:]).decode(errors="replace"))
        shutil.rmtree(tmp, ignore_errors=True)
    print("%s: %d failure(s) in %.1f s" % ("OK" if ok else "FAILED", len(FAILURES), time.monotonic() - started))
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--source", required=True)
    args = ap.parse_args()
    started = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="slawatch-it-")
    port = free_port()
    os.mkdir(os.path.join(tmp, "rules"))
    with open(os.path.join(tmp, "rules", "test-rules.yaml"), "w") as f:
        f.write(RULES)
    config = os.path.join(tmp, "slawatch.yaml")
    with open(config, "w") as f:
        f.write("server:\n  listen: 127.0.0.1:%d\n  max_body_bytes: %d\n  max_events_per_request: 1000\n"
                "storage:\n  path: %s/data/slawatch.db\nrules: [%s/rules/*.yaml]\n" % (port, MAX_BODY, tmp, tmp))
    daemon = Daemon(args.binary, config, os.path.join(tmp, "slawatch.log"))
    def scenario():
        daemon.start(port)
        test_ingestion(port)
        test_request_errors(port)
        test_read_api(port)
        test_keep_alive(port)
        # accepted: e-1..e-6, n-1, t-1, big-0; breached: e-3, e-4, e-6
        test_metrics(port, accepted=9, breached=3, met=6)
        test_waive(daemon, port)
        test_crash_and_restart(daemon, port)
        test_sigterm_during_request(daemon, port)
        test_cli(args.binary, tmp, config)
        code = daemon.kill(signal.SIGTERM)
        expect_equal(code, 0, "exit code after SIGTERM")

    return run_scenario(daemon, tmp, started, scenario)


if __name__ == "__main__":
    sys.exit(main())
