#!/usr/bin/env python3
"""Partner reports end to end (issue 7, contract 6, 9, 10): the real daemon with partners,
rules and events producing met, breached and waived outcomes; GET /v1/reports in JSON, CSV
and HTML; the HTML opened in headless Chromium (title, breach rows, chart, console errors,
screenshot, PDF read back with pdftotext); consistency with GET /v1/breaches and
slawatch_rule_outcomes_total; bad input; `slawatch report`; the monthly schedule with its
webhook delivery, and no repeat after a restart.

Usage: test_reports.py --binary PATH --source REPO_ROOT   (Python 3 stdlib only)
"""
import argparse
import csv
import hashlib
import http.server
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_serve import Daemon, check, expect_equal, free_port, metric_value, run_scenario  # noqa: E402
import http.client  # noqa: E402

PERIOD = "2026-11"
SCRIPT = "<script>alert(1)</script> & co"
WAIVE_REASON = "=cmd|' /C calc'!A0"
TOKENS = {"officer": ("officer", None), "bank": ("partner", "bank-a"), "post": ("partner", "post-b")}

RULES = """\
partners:
  - id: bank-a
    name: Bank A & Sons
    class: bank
    timezone: Africa/Nairobi
    report: { webhook: "http://127.0.0.1:%(hook)d/bank-a" }
  - id: post-b
    name: Post B
    class: post_office
rules:
  - id: amount-positive
    kind: condition
    category: integrity
    severity: major
    description: "Amounts are positive %(script)s"
    when: event.type == 'contribution.collected'
    require: event.attributes.amount > 0 && event.attributes.note != '%(script)s'
  - id: access-over-tls
    kind: condition
    category: security
    severity: critical
    description: Beneficiary data is read over TLS only.
    when: event.type == 'beneficiary.accessed'
    require: event.transport.tls == true
  - id: access-purpose
    kind: condition
    category: purpose
    severity: major
    description: Beneficiary data is read to pay benefits only.
    when: event.type == 'beneficiary.accessed'
    require: event.purpose == 'pay_benefit'
  - id: amounts-95
    kind: objective
    category: integrity
    severity: major
    description: 95%% of amounts are positive.
    of: [amount-positive]
    target: 95%%
    window: month
"""


def call(port, method, path, token="officer", body=None, accept=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        headers = {"Authorization": "Bearer " + token}
        if accept:
            headers["Accept"] = accept
        if body is not None:
            headers["Content-Type"] = "application/json"
            body = json.dumps(body).encode()
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def get_json(port, path, token="officer"):
    status, headers, data = call(port, "GET", path, token)
    return status, json.loads(data)


class Hook(http.server.BaseHTTPRequestHandler):
    received = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        Hook.received.append((self.path, dict(self.headers), body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def events():
    """bank-a: 9 amounts (2 breach), 3 accesses over plain HTTP (3 security breaches, one
    out of purpose); post-b: 1 amount met. Days spread over the month, none on the 5th."""
    out = []
    days = [1, 2, 3, 4, 6, 7, 8, 9, 10]
    for i, d in enumerate(days):
        amount = 0 if i in (2, 6) else 100 + i
        out.append({"id": "c-%d" % i, "partner": "bank-a", "type": "contribution.collected",
                    "occurred_at": "2026-11-%02dT10:00:00+03:00" % d,
                    "attributes": {"amount": amount, "note": "ok"}})
    out[0]["id"] = "-cmd"   # a formula-like key: '-' must be neutralised in CSV
    out[0]["attributes"]["note"] = SCRIPT   # breaches with <script> in the message
    for i, (d, purpose) in enumerate([(11, "pay_benefit"), (12, "marketing"), (13, "pay_benefit")]):
        out.append({"id": "a-%d" % i, "partner": "bank-a", "type": "beneficiary.accessed",
                    "occurred_at": "2026-11-%02dT09:00:00+03:00" % d, "subject": "s-%d" % i,
                    "purpose": purpose})
    return out


def ingest(port):
    bank = events()
    status, _, data = call(port, "POST", "/v1/events", "bank", bank)
    expect_equal(status, 200, "bank-a events accepted: %s" % data[:300])
    post = [{"id": "p-1", "partner": "post-b", "type": "contribution.collected",
             "occurred_at": "2026-11-03T10:00:00Z", "attributes": {"amount": 5, "note": "ok"}}]
    status, _, data = call(port, "POST", "/v1/events", "post", post)
    expect_equal(status, 200, "post-b events accepted: %s" % data[:300])


def waive_one(port):
    status, body = get_json(port, "/v1/breaches?partner=bank-a&rule=amount-positive")
    ids = sorted(b["id"] for b in body["breaches"])
    check(len(ids) == 3, "three amount breaches: %r" % ids)
    status, _, data = call(port, "POST", "/v1/breaches/%s/waive" % ids[0], "officer", {"reason": WAIVE_REASON})
    expect_equal(status, 200, "waive: %s" % data[:200])
    return ids[0]


def test_json_consistency(port, waived_id):
    status, rep = get_json(port, "/v1/reports/bank-a?period=" + PERIOD)
    if not expect_equal(status, 200, "JSON report"):
        return rep
    rules = {r["rule"]: r for r in rep["rules"]}
    amt = rules["amount-positive"]
    expect_equal((amt["met"], amt["breached"], amt["waived"]), (6, 2, 1), "amount-positive outcomes")
    expect_equal(amt["target"], 0.95, "target from the objective")
    expect_equal(amt["status"], "red", "75% against 95%")
    expect_equal(rules["access-over-tls"]["breached"], 3, "security breaches")
    expect_equal(len(rep["findings"]["security"]), 3, "security findings")
    expect_equal(len(rep["findings"]["purpose"]), 1, "purpose findings")
    expect_equal([w["breach"] for w in rep["waivers"]], [waived_id], "waivers")
    expect_equal(rep["waivers"][0]["reason"], WAIVE_REASON, "waiver reason")
    check(rep["completeness"]["silent_days"][:2] == ["2026-11-05", "2026-11-14"],
          "silent days: %r" % rep["completeness"]["silent_days"][:3])
    expect_equal(rep["partner"]["name"], "Bank A & Sons", "partner")
    # Consistency: the breaches API and the outcome counters say the same.
    b = rep["period"]
    q = "/v1/breaches?partner=bank-a&limit=1000&since=%s&until=%s" % (
        urllib.parse.quote(b["from"]), urllib.parse.quote(b["to"]))
    status, api = get_json(port, q)
    expect_equal(sorted(x["id"] for x in api["breaches"]), sorted(x["id"] for x in rep["breaches"]),
                 "report breaches = GET /v1/breaches")
    check_counters(port, rep, restarted=False)
    return rep


def check_counters(port, rep, restarted):
    """The breached counter counts every breached decision, also one waived later (counters
    never go down; a restart restores it the same way), and the waived counter the waivers;
    the report shows each outcome's current state. So counter met = met, counter waived =
    waived, counter breached = breached + waived — before and after a restart."""
    _, _, metrics = call(port, "GET", "/metrics")
    metrics = metrics.decode()
    for r in rep["rules"]:
        got = {kind: int(metric_value(metrics, "slawatch_rule_outcomes_total",
                                      {"rule": r["rule"], "partner": "bank-a", "outcome": kind}))
               for kind in ("met", "breached", "waived")}
        want = {"met": r["met"], "breached": r["breached"] + r["waived"],
                "waived": r["waived"]}
        expect_equal(got, want, "%s: slawatch_rule_outcomes_total (restarted: %s)" % (r["rule"], restarted))


def test_csv(port, rep):
    status, headers, data = call(port, "GET", "/v1/reports/bank-a?period=%s&format=csv" % PERIOD)
    expect_equal(status, 200, "CSV report")
    check(headers.get("Content-Type", "").startswith("text/csv"), "CSV content type")
    text = data.decode()
    check(text.endswith("\r\n") and "\r\n" in text, "CRLF line ends")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    expect_equal(len(rows) - 1, len(rep["breaches"]), "one CSV row per breach")
    header = rows[0]
    by_key = {r[header.index("key")]: r for r in rows[1:]}
    check("'-cmd" in by_key, "key '-cmd' neutralised: %r" % list(by_key))
    reasons = [r[header.index("waived_reason")] for r in rows[1:] if r[header.index("waived_reason")]]
    expect_equal(reasons, ["'" + WAIVE_REASON], "waive reason neutralised")
    check(all(not c or c[0] not in "=+-@\t\r" for r in rows for c in r), "no formula-like cell")


def chromium(args, timeout=90):
    return subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu",
                           "--no-first-run", "--disable-dev-shm-usage"] + args,
                          capture_output=True, text=True, timeout=timeout)


def test_html_in_chromium(port, rep, tmp):
    status, headers, data = call(port, "GET", "/v1/reports/bank-a?period=" + PERIOD, accept="text/html")
    expect_equal(status, 200, "HTML report via Accept")
    html = data.decode()
    check("<script>" not in html, "no raw <script> in the HTML")
    check("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html, "rule texts escaped")
    check(" src=" not in html and "<link" not in html, "self-contained")
    path = os.path.join(tmp, "report.html")
    with open(path, "w") as f:
        f.write(html)
    url = "file://" + path
    profile = ["--user-data-dir=" + os.path.join(tmp, "chrome")]
    dom = chromium(profile + ["--dump-dom", "--enable-logging=stderr", "--v=0", url])
    expect_equal(dom.returncode, 0, "chromium --dump-dom: " + dom.stderr[-500:])
    title = re.search(r"<title>(.*?)</title>", dom.stdout)
    expect_equal(title and title.group(1), "SLA report: Bank A &amp; Sons 2026-11", "rendered title")
    expect_equal(dom.stdout.count('<tr class="breach"'), len(rep["breaches"]), "breach rows = breaches")
    check('<svg class="chart" id="compliance-chart"' in dom.stdout, "compliance chart rendered")
    # Chromium logs every console message (console.error, uncaught exceptions) as
    # "INFO:CONSOLE..."; the report has no script, so any console line is a failure.
    errors = [l for l in dom.stderr.splitlines() if ":CONSOLE" in l]
    expect_equal(errors, [], "no console errors")
    png = os.path.join(tmp, "report.png")
    shot = chromium(profile + ["--screenshot=" + png, "--window-size=1280,1600", "--hide-scrollbars", url])
    check(shot.returncode == 0 and os.path.getsize(png) > 20000, "screenshot: " + shot.stderr[-300:])
    pdf = os.path.join(tmp, "report.pdf")
    printed = chromium(profile + ["--print-to-pdf=" + pdf, "--no-pdf-header-footer", url])
    check(printed.returncode == 0 and os.path.exists(pdf), "print to PDF: " + printed.stderr[-300:])
    first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-layout", pdf, "-"],
                           capture_output=True, text=True, timeout=30)
    check("Bank A & Sons" in first.stdout and "2026-11" in first.stdout,
          "first PDF page names partner and period: %r" % first.stdout[:300])
    info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True, timeout=30).stdout
    check(re.search(r"Page size:.*\(A4\)", info) is not None, "A4 pages: %r" % info[-200:])


def test_bad_input(port):
    cases = [
        ("/v1/reports/nobody?period=2026-11", "officer", 404, "partner not found"),
        ("/v1/reports/post-b?period=2026-11", "bank", 404, "partner not found"),
        ("/v1/reports/bank-a?period=2026-13", "officer", 400, "period: expected YYYY-MM"),
        ("/v1/reports/bank-a?period=2099-01", "officer", 400, "period: in the future"),
        ("/v1/reports/bank-a", "officer", 400, "period: required"),
        ("/v1/reports/bank-a?period=2026-11&format=xml", "officer", 400, "format: expected json, csv or html"),
    ]
    for path, token, code, message in cases:
        status, body = get_json(port, path, token)
        expect_equal((status, body.get("error")), (code, message), "GET %s as %s" % (path, token))
    status, own = get_json(port, "/v1/reports/bank-a?period=2026-11", "bank")
    expect_equal(status, 200, "a partner reads its own report")
    status, empty = get_json(port, "/v1/reports/bank-a?period=2026-09")
    expect_equal(status, 200, "empty period")
    expect_equal((empty["breaches"], empty["summary"]["compliance"]), ([], None), "honest empty report")
    expect_equal(len(empty["completeness"]["silent_days"]), 30, "every day silent")


def test_cli(binary, config, rep):
    def run(*argv):
        p = subprocess.run([binary, "report", "--config", config] + list(argv),
                           capture_output=True, text=True, timeout=60)
        return p.returncode, p.stdout, p.stderr
    code, out, err = run("--partner", "bank-a", "--period", PERIOD, "--format", "json")
    expect_equal(code, 0, "slawatch report json: " + err[-300:])
    if code == 0:
        cli = json.loads(out)
        expect_equal([(r["rule"], r["met"], r["breached"], r["waived"]) for r in cli["rules"]],
                     [(r["rule"], r["met"], r["breached"], r["waived"]) for r in rep["rules"]], "CLI = API")
    code, out, err = run("--partner", "bank-a", "--period", "2026-13")
    expect_equal((code, err.strip()), (2, "report: period: expected YYYY-MM"), "CLI bad period")
    code, out, err = run("--partner", "nobody", "--period", PERIOD)
    expect_equal((code, err.strip()), (1, "report: unknown partner 'nobody'"), "CLI unknown partner")


def test_schedule(daemon, port, reports_dir, rep):
    """reports.monthly day 1 00:00: October's reports were written at start-up and delivered."""
    names = sorted(os.listdir(reports_dir))
    expected = sorted("report-%s-2026-10.%s" % (p, e) for p in ("bank-a", "post-b") for e in ("csv", "html", "json"))
    expect_equal(names, expected, "scheduled report files")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not [r for r in Hook.received if b"slawatch.report/v1" in r[2]]:
        time.sleep(0.1)
    reports = [r for r in Hook.received if b"slawatch.report/v1" in r[2]]
    expect_equal(len(reports), 1, "one report delivered to bank-a's webhook")
    if reports:
        body = json.loads(reports[0][2])
        expect_equal((body["partner"]["id"], body["period"]["month"]), ("bank-a", "2026-10"), "delivered report")
        check("X-Slawatch-Delivery" in reports[0][1], "delivery id header")
    mtime = os.path.getmtime(os.path.join(reports_dir, "report-bank-a-2026-10.json"))
    expect_equal(daemon.kill(signal.SIGTERM), 0, "SIGTERM")
    daemon.start(port)
    time.sleep(1.5)
    expect_equal(os.path.getmtime(os.path.join(reports_dir, "report-bank-a-2026-10.json")), mtime,
                 "not regenerated after a restart")
    expect_equal(len([r for r in Hook.received if b"slawatch.report/v1" in r[2]]), 1, "not re-delivered")
    check_counters(port, rep, restarted=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--source", required=True)
    args = ap.parse_args()
    started = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="slawatch-reports-")
    port, hook_port = free_port(), free_port()
    hook = http.server.ThreadingHTTPServer(("127.0.0.1", hook_port), Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    os.mkdir(os.path.join(tmp, "rules"))
    with open(os.path.join(tmp, "rules", "rules.yaml"), "w") as f:
        f.write(RULES % {"hook": hook_port, "script": SCRIPT})
    reports_dir = os.path.join(tmp, "reports")
    tokens = "".join("    - {name: %s, sha256: %s, role: %s%s}\n" % (
        t, hashlib.sha256(t.encode()).hexdigest(), role, ", partner: " + p if p else "")
        for t, (role, p) in TOKENS.items())
    config = os.path.join(tmp, "slawatch.yaml")
    with open(config, "w") as f:
        f.write("server:\n  listen: 127.0.0.1:%d\nstorage:\n  path: %s/data/slawatch.db\n"
                "rules: [%s/rules/*.yaml]\nauth:\n  tokens:\n%s"
                "reports: { dir: %s, monthly: { day: 1, at: \"00:00\" } }\n"
                % (port, tmp, tmp, tokens, reports_dir))
    daemon = Daemon(args.binary, config, os.path.join(tmp, "slawatch.log"))
    have_chromium = shutil.which("chromium") and shutil.which("pdftotext")

    def scenario():
        daemon.start(port)
        ingest(port)
        waived = waive_one(port)
        rep = test_json_consistency(port, waived)
        test_csv(port, rep)
        if check(have_chromium, "chromium and pdftotext installed (scripts/deps.sh)"):
            test_html_in_chromium(port, rep, tmp)
        test_bad_input(port)
        test_cli(args.binary, config, rep)
        test_schedule(daemon, port, reports_dir, rep)
        expect_equal(daemon.kill(signal.SIGTERM), 0, "exit code after SIGTERM")

    try:
        return run_scenario(daemon, tmp, started, scenario)
    finally:
        hook.shutdown()


if __name__ == "__main__":
    sys.exit(main())
