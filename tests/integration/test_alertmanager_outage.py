#!/usr/bin/env python3
"""A real Alertmanager that is stopped for a while and restarted (losing the alerts it held
in memory) still ends up with every alert, including alerts of breaches recorded while it
was down and across a SIGKILL restart of slawatch in the middle of the outage (issue 5,
"Real components in the tests"). Also checks that the Alertmanager route shown in
docs/alerting.md is valid and routes by category and severity (amtool).

Usage: test_alertmanager_outage.py --binary PATH --source REPO_ROOT   (Python 3 stdlib only)
Every wait is bounded; the whole test takes about 15 s.
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_alerting import (ALERTMANAGER, Alertmanager, Receiver, post_breaches,  # noqa: E402
                           wait_for)
from test_serve import FAILURES, Daemon, check, expect_equal, free_port  # noqa: E402

RULES = """\
partners:
  - { id: bank-a, name: Bank A, class: bank }
  - { id: post-b, name: Post B, class: post_office }
  - { id: gov-c, name: Gov C, class: government }
rules:
  - id: amount-positive
    kind: condition
    category: integrity
    severity: major
    description: A collected contribution has a positive amount.
    when: event.type == 'contribution.collected'
    require: has(event.attributes.amount) && event.attributes.amount > 0
"""


def partners_alerted(am):
    """The partners with an active SLABreach in Alertmanager (empty while it is down)."""
    try:
        return {a["labels"]["partner"] for a in am.alerts("SLABreach")}
    except OSError:
        return set()


def routed_partners(am_hook):
    """The partners whose firing SLABreach Alertmanager routed to its webhook receiver."""
    out = set()
    for _, _, body in am_hook.snapshot():
        msg = json.loads(body)
        if msg.get("status") == "firing":
            out |= {a["labels"].get("partner") for a in msg["alerts"]
                    if a["labels"].get("alertname") == "SLABreach"}
    return out


def test_outage_across_restart(am, am_hook, daemon, port):
    post_breaches(port, ["a-1"], partner="bank-a")
    wait_for("bank-a alert before the outage", lambda: partners_alerted(am) == {"bank-a"}, 10)
    am.stop()   # Alertmanager keeps alerts in memory only: they are gone now
    post_breaches(port, ["b-1"], partner="post-b")
    time.sleep(2)   # slawatch tries (and fails) to post, backing off
    check(daemon.kill(signal.SIGKILL) is not None, "slawatch killed during the outage")
    daemon.start(port)
    post_breaches(port, ["c-1"], partner="gov-c")
    time.sleep(1)
    am.start()
    got = wait_for("every alert after the outage and the restart",
                   lambda: partners_alerted(am) == {"bank-a", "post-b", "gov-c"}, 15)
    expect_equal(partners_alerted(am), {"bank-a", "post-b", "gov-c"}, "alerts held by Alertmanager")
    if got:
        routed = wait_for("Alertmanager routed every alert",
                          lambda: routed_partners(am_hook) >= {"bank-a", "post-b", "gov-c"}, 10)
        check(bool(routed), "routed: %r" % routed_partners(am_hook))
        for a in am.alerts("SLABreach"):
            expect_equal((a["labels"]["rule"], a["labels"]["category"], a["labels"]["severity"]),
                         ("amount-positive", "integrity", "major"), "labels of " + a["labels"]["partner"])


def test_documented_route(source, tmp):
    """The alertmanager.yml route of docs/alerting.md is valid and routes by category and
    severity as the docs say (checked with the real amtool)."""
    amtool = shutil.which("amtool") or "/usr/bin/amtool"
    with open(os.path.join(source, "docs", "alerting.md")) as f:
        m = re.search(r"```yaml\n# alertmanager.yml\n(.*?)```", f.read(), re.S)
    if not check(m is not None and os.path.exists(amtool), "docs/alerting.md has an alertmanager.yml route; amtool installed"):
        return
    path = os.path.join(tmp, "doc-am.yml")
    with open(path, "w") as f:
        f.write(m.group(1))
    p = subprocess.run([amtool, "check-config", path], capture_output=True, text=True, timeout=20)
    check(p.returncode == 0, "amtool check-config of the documented route: %s%s" % (p.stdout, p.stderr))
    for labels, receivers in ((["alertname=SLABreach", "category=security", "severity=minor"], "security-oncall,ops-ticketing"),
                              (["alertname=SLABreach", "category=timeliness", "severity=major"], "partner-desk"),
                              (["alertname=SLABreach", "category=integrity", "severity=critical"], "ops-pager"),
                              (["alertname=SLAAtRisk", "category=timeliness", "severity=warning"], "ops-chat")):
        p = subprocess.run([amtool, "config", "routes", "test", "--config.file=" + path] + labels,
                           capture_output=True, text=True, timeout=20)
        expect_equal(p.stdout.strip(), receivers, "documented route for %s" % " ".join(labels))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--source", required=True)
    args = ap.parse_args()
    if not os.path.exists(ALERTMANAGER):
        print("FAILED: prometheus-alertmanager is not installed (scripts/deps.sh)")
        return 1
    started = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="slawatch-am-outage-it-")
    am_hook = Receiver("ok")
    am = Alertmanager(tmp, am_hook.port)
    port = free_port()
    os.mkdir(os.path.join(tmp, "rules"))
    with open(os.path.join(tmp, "rules", "rules.yaml"), "w") as f:
        f.write(RULES)
    config = os.path.join(tmp, "slawatch.yaml")
    with open(config, "w") as f:
        # hold 10m: every pair stays active for the whole test, so each alert must be firing
        f.write("server:\n  listen: 127.0.0.1:%d\nstorage:\n  path: %s/data/slawatch.db\n"
                "rules: [%s/rules/*.yaml]\nalerting:\n  alertmanagers: [\"http://127.0.0.1:%d\"]\n"
                "  resend_interval: 1s\n  hold: 10m\n" % (port, tmp, tmp, am.port))
    daemon = Daemon(args.binary, config, os.path.join(tmp, "slawatch.log"))
    ok = False
    try:
        am.start()
        daemon.start(port)
        test_outage_across_restart(am, am_hook, daemon, port)
        test_documented_route(args.source, tmp)
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
        am_hook.close()
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
