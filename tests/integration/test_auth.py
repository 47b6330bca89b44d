#!/usr/bin/env python3
"""End-to-end test of authentication, roles, partner isolation, signatures and the rate
limit (contract 2.2, 2.3, 6, 8) against the real daemon with real tokens.

Usage: test_auth.py --binary PATH --source REPO_ROOT   (Python 3 stdlib only, bounded time)
"""
import argparse
import hashlib
import hmac
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_serve as base  # noqa: E402  (shared helpers: Daemon, check, run_scenario ...)
from test_serve import check, expect_equal  # noqa: E402

RULES = """\
partners:
  - {id: bank-a, name: Bank A, class: bank, hmac_secret_env: SW_TEST_BANK_A_SECRET}
  - {id: bank-b, name: Bank B, class: bank, hmac_secret_env: SW_TEST_BANK_B_SECRET, require_signature: true}
  - {id: bank-c, name: Bank C, class: bank}
rules:
  - id: amount-positive
    kind: condition
    category: integrity
    severity: major
    description: A collected contribution has a positive amount.
    when: event.type == 'contribution.collected'
    require: event.attributes.amount > 0
"""

TOKENS = {  # token -> (name, role, partner)
    "tok-bank-a": ("bank-a-ingest", "partner", "bank-a"),
    "tok-bank-b": ("bank-b-ingest", "partner", "bank-b"),
    "tok-bank-c": ("bank-c-ingest", "partner", "bank-c"),
    "tok-prom": ("prometheus", "metrics", None),
    "tok-ops": ("ops-joe", "ops", None),
    "tok-officer": ("officer-amina", "officer", None),
    "tok-admin": ("root", "admin", None),
}
ROLE_TOKEN = {"partner": "tok-bank-a", "metrics": "tok-prom", "ops": "tok-ops",
              "officer": "tok-officer", "admin": "tok-admin"}
SECRETS = {"SW_TEST_BANK_A_SECRET": "secret-a", "SW_TEST_BANK_B_SECRET": "secret-b"}

# (method, path, roles allowed; "*" = open)
ENDPOINTS = [
    ("GET", "/-/healthy", "*"),
    ("GET", "/-/ready", "*"),
    ("GET", "/metrics", "metrics ops officer admin"),
    ("POST", "/v1/events", "partner admin"),
    ("GET", "/v1/breaches", "partner ops officer admin"),
    ("GET", "/v1/breaches/b-unknown", "partner ops officer admin"),
    ("POST", "/v1/breaches/b-unknown/waive", "officer admin"),
    ("GET", "/v1/obligations", "partner ops officer admin"),
    ("GET", "/v1/partners", "partner ops officer admin"),
    ("GET", "/v1/rules", "ops officer admin"),
    ("GET", "/v1/notifications", "ops officer admin"),
    ("GET", "/v1/reports/bank-a?period=2026-11", "partner officer admin"),
    ("GET", "/v1/audit", "officer admin"),
    ("POST", "/-/reload", "admin"),
]


def call(port, method, path, token=None, body=None, signature=None, content_type="application/json"):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        headers = {}
        if token is not None:
            headers["Authorization"] = "Bearer " + token
        if signature is not None:
            headers["X-Slawatch-Signature"] = signature
        if body is not None:
            headers["Content-Type"] = content_type
            if not isinstance(body, (str, bytes)):
                body = json.dumps(body)
            if isinstance(body, str):
                body = body.encode()
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = data
        return resp.status, parsed, dict(resp.getheaders())
    finally:
        conn.close()


def sign(body, secret):
    if isinstance(body, str):
        body = body.encode()
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def event(eid, partner, amount=10):
    return {"id": eid, "partner": partner, "type": "contribution.collected",
            "occurred_at": "2026-11-26T09:15:00+03:00", "attributes": {"amount": amount}}


def rejected(port, reason):
    _, text, _ = call(port, "GET", "/metrics", "tok-prom")
    return base.metric_value(text.decode(), "slawatch_events_rejected_total", {"reason": reason})


def test_roles(port):
    for method, path, allowed in ENDPOINTS:
        body = {"reason": "x"} if method == "POST" else None
        if path == "/v1/events":
            body = []
        for role, token in ROLE_TOKEN.items():
            status, resp, _ = call(port, method, path, token, body)
            if allowed == "*" or role in allowed.split():
                check(status not in (401, 403), "%s %s as %s: allowed, got %d %r" % (method, path, role, status, resp))
            else:
                expect_equal(status, 403, "%s %s as %s" % (method, path, role))
                expect_equal(resp, {"error": "forbidden: role '%s' may not use %s %s"
                                    % (role, method, path.split("?")[0])}, "403 text")
        for token in (None, "not-a-token"):
            status, resp, headers = call(port, method, path, token, body)
            if allowed == "*":
                check(status not in (401, 403), "%s %s open, got %d" % (method, path, status))
                continue
            expect_equal(status, 401, "%s %s with token %r" % (method, path, token))
            expect_equal(headers.get("WWW-Authenticate"), "Bearer", "WWW-Authenticate")
            expect_equal(resp["error"], "unauthenticated: unknown token" if token else
                         "unauthenticated: a bearer token or a client certificate is required", "401 text")
    # two unauthenticated POST /v1/events above, counted once per request
    expect_equal(rejected(port, "unauthenticated"), 2, "unauthenticated counted")


def seed(port):
    """Breaches for bank-a (2) and bank-b (1, signed: bank-b requires signatures)."""
    status, body, _ = call(port, "POST", "/v1/events", "tok-bank-a",
                           [event("a-1", "bank-a", -1), event("a-2", "bank-a", 0), event("a-3", "bank-a")])
    expect_equal((status, body["accepted"]), (200, 3), "bank-a events")
    b_body = json.dumps([event("b-1", "bank-b", -5)])
    status, body, _ = call(port, "POST", "/v1/events", "tok-bank-b", b_body, sign(b_body, SECRETS["SW_TEST_BANK_B_SECRET"]))
    expect_equal((status, body and body.get("accepted")), (200, 1), "bank-b signed events")


def test_isolation(port):
    status, body, _ = call(port, "GET", "/v1/breaches", "tok-bank-a")
    expect_equal(sorted(b["key"] for b in body["breaches"]), ["a-1", "a-2"], "bank-a sees its breaches")
    status, body, _ = call(port, "GET", "/v1/breaches?partner=bank-b", "tok-bank-a")
    expect_equal((status, body), (200, {"breaches": [], "next_cursor": None}), "bank-a asking for bank-b")
    status, body, _ = call(port, "GET", "/v1/breaches", "tok-officer")
    ids = {b["partner"]: b["id"] for b in body["breaches"]}
    expect_equal(sorted(ids), ["bank-a", "bank-b"], "officer sees every partner")
    status, body, _ = call(port, "GET", "/v1/breaches/" + ids["bank-b"], "tok-bank-a")
    expect_equal((status, body), (404, {"error": "breach not found"}), "bank-b breach id via bank-a token")
    status, body, _ = call(port, "GET", "/v1/breaches/" + ids["bank-a"], "tok-bank-b")
    expect_equal((status, body), (404, {"error": "breach not found"}), "bank-a breach id via bank-b token")
    status, body, _ = call(port, "GET", "/v1/breaches/" + ids["bank-a"], "tok-bank-a")
    expect_equal((status, body["partner"]), (200, "bank-a"), "own breach by id")
    # a cursor of bank-a's pages, replayed by bank-b, still only reaches bank-b's rows
    status, page, _ = call(port, "GET", "/v1/breaches?limit=1", "tok-bank-a")
    cursor = page["next_cursor"]
    check(cursor is not None, "bank-a has a second page")
    status, body, _ = call(port, "GET", "/v1/breaches?limit=5&cursor=" + urllib.parse.quote(cursor or ""), "tok-bank-b")
    check(status in (200, 400), "foreign cursor answered, got %d" % status)
    if status == 200:
        expect_equal({b["partner"] for b in body["breaches"]} - {"bank-b"}, set(), "foreign cursor stays in bank-b")
    status, body, _ = call(port, "GET", "/v1/breaches?limit=1&cursor=" + urllib.parse.quote(cursor or ""), "tok-bank-a")
    expect_equal([b["partner"] for b in body["breaches"]], ["bank-a"], "own cursor page")
    status, body, _ = call(port, "GET", "/v1/obligations?partner=bank-b", "tok-bank-a")
    expect_equal((status, body), (200, {"obligations": [], "next_cursor": None}), "obligations of bank-b via bank-a")
    status, body, _ = call(port, "GET", "/v1/partners", "tok-bank-a")
    expect_equal([p["id"] for p in body["partners"]], ["bank-a"], "bank-a sees only its registry entry")
    status, body, _ = call(port, "GET", "/v1/partners", "tok-ops")
    expect_equal(len(body["partners"]), 3, "ops sees every partner")
    status, body, _ = call(port, "GET", "/v1/reports/bank-b?period=2026-11", "tok-bank-a")
    expect_equal((status, body), (404, {"error": "partner not found"}), "bank-b report via bank-a token")


def test_forged_partner(port):
    status, body, _ = call(port, "POST", "/v1/events", "tok-bank-a", [event("f-1", "bank-c"), event("f-2", "bank-a")])
    expect_equal((status, body["accepted"], body["rejected"]), (200, 1, 1), "forged partner field")
    expect_equal(body["errors"], [{"index": 0, "id": "f-1", "reason": "partner_mismatch",
                                   "error": "partner: token is for 'bank-a', not 'bank-c'"}], "partner_mismatch entry")
    status, body, _ = call(port, "POST", "/v1/events", "tok-bank-c", [event("a-1", "bank-a", -1)])
    expect_equal((status, body["rejected"], body["errors"][0]["reason"]), (200, 1, "partner_mismatch"),
                 "another partner's token")
    expect_equal(rejected(port, "partner_mismatch"), 2, "partner_mismatch counted")


def test_signatures(port):
    secret_a = SECRETS["SW_TEST_BANK_A_SECRET"]
    signed = json.dumps([event("s-1", "bank-a", -3)])
    tampered = signed.replace("-3", "30")
    before = rejected(port, "signature_invalid")
    status, body, _ = call(port, "POST", "/v1/events", "tok-bank-a", tampered, sign(signed, secret_a))
    expect_equal((status, body), (401, {"error": "signature: does not match the body"}), "tampered body")
    status, body, _ = call(port, "POST", "/v1/events", "tok-bank-a", signed, "sha256=xyz")
    expect_equal((status, body), (401, {"error": "signature: expected 'sha256=<64 hex digits>'"}), "malformed")
    expect_equal(rejected(port, "signature_invalid") - before, 2, "signature_invalid counted per event")
    # nothing of the refused requests was stored: the same event now is accepted, not a duplicate
    status, body, _ = call(port, "POST", "/v1/events", "tok-bank-a", signed, sign(signed, secret_a))
    expect_equal((status, body["accepted"], body["duplicates"]), (200, 1, 0), "signed body accepted")
    # a replayed request changes nothing: duplicates
    status, body, _ = call(port, "POST", "/v1/events", "tok-bank-a", signed, sign(signed, secret_a))
    expect_equal((status, body["accepted"], body["duplicates"]), (200, 0, 1), "replayed request")
    status, body, _ = call(port, "GET", "/v1/breaches?partner=bank-a", "tok-ops")
    expect_equal(sorted(b["key"] for b in body["breaches"]), ["a-1", "a-2", "s-1"], "one breach for s-1")
    # bank-b requires a signature, whoever sends its events
    unsigned = json.dumps([event("b-2", "bank-b")])
    for token in ("tok-bank-b", "tok-admin"):
        status, body, _ = call(port, "POST", "/v1/events", token, unsigned)
        expect_equal((status, body), (401, {"error": "signature: required for partner 'bank-b'"}),
                     "require_signature via " + token)
    status, body, _ = call(port, "POST", "/v1/events", "tok-admin", unsigned,
                           sign(unsigned, SECRETS["SW_TEST_BANK_B_SECRET"]))
    expect_equal((status, body["accepted"]), (200, 1), "admin with bank-b's signature")
    status, body, _ = call(port, "POST", "/v1/events", "tok-bank-a", unsigned, sign(unsigned, secret_a))
    expect_equal((status, body["rejected"]), (200, 1), "bank-a token, bank-b events: mismatch even signed")


def test_rate_limit(port):
    # bank-c: 5 events/s, burst 20. A 25-event request on a full bucket passes and leaves debt.
    status, body, _ = call(port, "POST", "/v1/events", "tok-bank-c", [event("r-%d" % i, "bank-c") for i in range(25)])
    expect_equal((status, body["accepted"]), (200, 25), "a request over the burst on a full bucket")
    before = rejected(port, "overloaded")
    status, body, headers = call(port, "POST", "/v1/events", "tok-bank-c", [event("r-x", "bank-c"), event("r-y", "bank-c")])
    expect_equal(status, 429, "over the rate")
    retry = headers.get("Retry-After")
    check(retry is not None and retry.isdigit() and 1 <= int(retry) <= 3, "Retry-After %r" % retry)
    expect_equal(body, {"error": "overloaded: partner rate limit exceeded, retry after %ss" % retry}, "429 text")
    expect_equal(rejected(port, "overloaded") - before, 2, "overloaded counted per event")
    status, body, _ = call(port, "POST", "/v1/events", "tok-bank-a", [event("r-a", "bank-a")])
    expect_equal(status, 200, "another partner is not limited")
    time.sleep(int(retry or "1") + 0.2)
    status, body, _ = call(port, "POST", "/v1/events", "tok-bank-c", [event("r-x", "bank-c"), event("r-y", "bank-c")])
    expect_equal((status, body and body.get("accepted")), (200, 2), "after Retry-After, nothing was stored before")


def test_refusals(binary, tmp):
    def serve(config_text):
        path = os.path.join(tmp, "refused.yaml")
        with open(path, "w") as f:
            f.write(config_text)
        p = subprocess.run([binary, "serve", "--config", path], capture_output=True, timeout=30)
        return p.returncode, p.stderr.decode()
    code, err = serve("server:\n  listen: 0.0.0.0:0\nrules: [%s/rules/*.yaml]\n" % tmp)
    check(code != 0 and "server.listen: with no auth.tokens slawatch only listens on a loopback address, "
          "got '0.0.0.0'" in err, "non-loopback without tokens refused: %d %s" % (code, err[-300:]))
    code, err = serve("server:\n  listen: 127.0.0.1:0\nstorage:\n  path: %s/refused/db\nrules: [%s/rules/*.yaml]\n"
                      "auth:\n  tokens:\n    - {name: z, sha256: %s, role: partner, partner: bank-z}\n"
                      % (tmp, tmp, hashlib.sha256(b"z").hexdigest()))
    check(code != 0 and "auth.tokens[0].partner: unknown partner 'bank-z' (not in the partner registry)" in err,
          "token of an unknown partner refused: %d %s" % (code, err[-300:]))


def write_config(tmp, port):
    lines = ["server:\n  listen: 127.0.0.1:%d\n" % port,
             "storage:\n  path: %s/data/slawatch.db\n" % tmp,
             "rules: [%s/rules/*.yaml]\n" % tmp,
             "ingest:\n  rate_limit: {events_per_second: 5, burst: 20}\n",
             "auth:\n  tokens:\n"]
    for token, (name, role, partner) in TOKENS.items():
        entry = "    - {name: %s, sha256: %s, role: %s" % (name, hashlib.sha256(token.encode()).hexdigest(), role)
        lines.append(entry + (", partner: %s}\n" % partner if partner else "}\n"))
    path = os.path.join(tmp, "slawatch.yaml")
    with open(path, "w") as f:
        f.write("".join(lines))
    return path


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--source", required=True)
    args = ap.parse_args()
    started = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="slawatch-auth-")
    port = base.free_port()
    os.mkdir(os.path.join(tmp, "rules"))
    with open(os.path.join(tmp, "rules", "rules.yaml"), "w") as f:
        f.write(RULES)
    os.environ.update(SECRETS)   # the daemon inherits the partners' signing secrets
    daemon = base.Daemon(args.binary, write_config(tmp, port), os.path.join(tmp, "slawatch.log"))

    def scenario():
        daemon.start(port)
        test_roles(port)
        seed(port)
        test_isolation(port)
        test_forged_partner(port)
        test_signatures(port)
        test_rate_limit(port)
        test_refusals(args.binary, tmp)
        status, _, _ = call(port, "GET", "/metrics", "tok-bank-a")
        expect_equal(status, 403, "a partner token cannot read /metrics")
        log = open(daemon.log_path, encoding="utf-8", errors="replace").read()
        for token in TOKENS:
            check(token not in log, "token %s never logged" % token)
        import signal
        expect_equal(daemon.kill(signal.SIGTERM), 0, "exit code after SIGTERM")

    return base.run_scenario(daemon, tmp, started, scenario)


if __name__ == "__main__":
    sys.exit(main())
