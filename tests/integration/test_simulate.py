#!/usr/bin/env python3
"""`slawatch simulate` against a real `serve` with the shipped rules: 2 s at 200 events/s
with a breach rate of 0.2 → every event accepted (zero rejected, no failed request), the
violations it makes on purpose show up in /v1/breaches and in the metrics.

Usage: test_simulate.py --binary PATH --source REPO_ROOT
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ops_support import (Daemon, check, expect_equal, finish, free_port, get_json,  # noqa: E402
                         request, write_config)

# Rules the simulator violates on purpose (besides transport rules any plain-HTTP sender breaks).
DELIBERATE = {"contribution-reported-15m", "purpose-not-forbidden", "purpose-allowed", "channel-tls-1-2",
              "service-probe-up", "api-response-2s", "complaint-acknowledged-1bd", "export-ids-masked",
              "benefit-credited-by-due-date", "payment-file-acknowledged-4bh", "mandate-breach-reported-1bd"}


def secrets_env(source):
    """Shipped partners name env vars for webhook and HMAC secrets: give each a value."""
    env = dict(os.environ)
    for path in glob.glob(os.path.join(source, "rules", "*.yaml")):
        with open(path) as f:
            for name in re.findall(r"_env:\s*([A-Z0-9_]+)", f.read()):
                env.setdefault(name, "simulate-test-secret")
    return env


def all_breaches(port):
    out, cursor = [], None
    for _ in range(100):
        status, body = get_json(port, "/v1/breaches?limit=500" + ("&cursor=" + cursor if cursor else ""))
        if status != 200:
            break
        out.extend(body["breaches"])
        cursor = body.get("next_cursor")
        if not cursor:
            break
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--source", required=True)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        cfg = write_config(tmp, port, os.path.join(args.source, "rules", "*.yaml"))
        env = secrets_env(args.source)
        d = Daemon(args.binary, cfg, os.path.join(tmp, "serve.log"), env)
        try:
            d.start(port)
            run = subprocess.run([args.binary, "simulate", "--url", "http://127.0.0.1:%d" % port,
                                  "--partners", "8", "--rate", "200", "--duration", "2s",
                                  "--breach-rate", "0.2", "--seed", "11"],
                                 capture_output=True, text=True, timeout=60, env=env)
            expect_equal(run.returncode, 0, "simulate exit code (stderr: %s)" % run.stderr[-500:])
            summary = json.loads(run.stdout)
            check(380 <= summary["sent"] <= 420, "about 400 events in 2 s at 200/s, sent %d" % summary["sent"])
            expect_equal(summary["rejected"], 0, "rejected events")
            expect_equal(summary["failed_requests"], 0, "failed requests")
            expect_equal(summary["accepted"], summary["sent"], "every event accepted")
            check(len(summary["partners"]) >= 5, "several partners simulated: %r" % summary["partners"])
            check(summary["breach_operations"] > 0, "some operations violate rules")
            rules = {b["rule"] for b in all_breaches(port)}
            check(len(rules & DELIBERATE) >= 3, "deliberate violations became breaches, got %r" % sorted(rules))
            status, text, _ = request(port, "GET", "/metrics")
            totals = [float(v) for v in re.findall(r'^slawatch_breaches_total\{[^}]*\} ([0-9.e+]+)$', text, re.M)]
            check(status == 200 and sum(totals) > 0, "slawatch_breaches_total counts the breaches")
            expect_equal(d.stop(), 0, "clean shutdown")
        finally:
            d.stop()
        return finish([d])


if __name__ == "__main__":
    sys.exit(main())
