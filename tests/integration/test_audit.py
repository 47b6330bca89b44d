#!/usr/bin/env python3
"""End-to-end test of the audit trail and retention (contract 8, 10, 11): batches, a breach,
its waiver, a SIGHUP reload and the configuration are chained entries; GET /v1/audit lists
them; `slawatch audit verify` passes, then names a tampered row; a 2 s event_retention prunes
old events (breaches stay, the chain still verifies, a "retention" entry records it).

Usage: test_audit.py --binary PATH --source REPO_ROOT   (Python 3 stdlib only)
Every wait is bounded; the whole test takes about 15 seconds.
"""
import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_serve as base  # noqa: E402  (shared helpers: Daemon, request, run_scenario ...)

check, expect_equal, FAILURES = base.check, base.expect_equal, base.FAILURES

REFERENCE_RULE = """\
  - id: reference-present
    kind: condition
    category: integrity
    severity: minor
    description: A collected contribution carries a reference.
    when: event.type == 'contribution.collected'
    require: has(event.attributes.amount)
"""

KINDS = "batch, breach, waiver, reload, config, report or retention"


def write_config(tmp, port, retention):
    path = os.path.join(tmp, "slawatch.yaml")
    with open(path, "w") as f:
        f.write("server:\n  listen: 127.0.0.1:%d\nstorage:\n  path: %s/data/slawatch.db\n"
                "  event_retention: %s\nrules: [%s/rules/*.yaml]\n" % (port, tmp, retention, tmp))
    return path


def audit_all(port, query=""):
    """Every entry via cursor paging with limit=3, and the last head seen."""
    out, cursor, head = [], None, None
    for _ in range(200):
        path = "/v1/audit?limit=3" + query + ("&cursor=" + cursor if cursor else "")
        status, body, _ = base.get_json(port, path)
        if not expect_equal(status, 200, "GET " + path):
            break
        out.extend(body["entries"])
        head, cursor = body["head"], body["next_cursor"]
        if cursor is None:
            break
    return out, head


def wait_for(what, fn, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(0.1)
    check(False, "timed out waiting for " + what)
    return None


def verify(binary, config):
    p = subprocess.run([binary, "audit", "verify", "--config", config], capture_output=True,
                       text=True, timeout=30)
    return p.returncode, p.stdout, p.stderr


def db_scalar(db, sql):
    con = sqlite3.connect(db, timeout=10)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def test_entries(daemon, port, tmp):
    status, body, _ = base.post_events(port, [base.event("e-1"), base.event("e-2")])
    expect_equal((status, body["accepted"]), (200, 2), "first batch")
    status, body, _ = base.post_events(port, base.event("e-3", amount=-1))
    expect_equal((status, body["accepted"]), (200, 1), "breaching batch")
    status, body, _ = base.post_events(port, base.event("e-1"))
    expect_equal(body["duplicates"], 1, "a replayed event")
    breach = base.all_breaches(port)[0]
    status, _, _ = base.request(port, "POST", "/v1/breaches/%s/waive" % breach["id"],
                                json.dumps({"reason": "agreed with bank-a"}), "application/json")
    expect_equal(status, 200, "waive")
    with open(os.path.join(tmp, "rules", "more.yaml"), "w") as f:
        f.write("rules:\n" + REFERENCE_RULE)
    daemon.proc.send_signal(signal.SIGHUP)
    wait_for("the reload entry", lambda: audit_all(port, "&kind=reload")[0])

    entries, head = audit_all(port)
    kinds = [e["kind"] for e in entries]
    expect_equal(kinds, ["config", "batch", "batch", "breach", "waiver", "reload"], "entry kinds in order")
    expect_equal([e["seq"] for e in entries], list(range(1, len(entries) + 1)), "seqs from 1")
    expect_equal(head, {"seq": entries[-1]["seq"], "hash": entries[-1]["hash"]}, "head is the last entry")
    check(all(entries[i]["prev_hash"] == entries[i - 1]["hash"] for i in range(1, len(entries))),
          "each entry links to the previous hash")
    expect_equal(entries[0]["prev_hash"], "0" * 64, "genesis prev_hash")
    by_kind = {e["kind"]: e["detail"] for e in entries}
    expect_equal(by_kind["batch"]["count"], 1, "the second batch accepted one event")
    expect_equal(entries[1]["detail"]["partners"], ["bank-a"], "batch partners")
    check(len(entries[1]["detail"]["events_sha256"]) == 64, "batch events hash")
    expect_equal(by_kind["breach"], {"event": "opened", "id": breach["id"], "rule": "amount-positive",
                                     "partner": "bank-a", "status": "closed"}, "breach entry (a condition breach is recorded closed)")
    expect_equal(by_kind["waiver"], {"id": breach["id"], "rule": "amount-positive", "partner": "bank-a",
                                     "reason": "agreed with bank-a"}, "waiver entry")
    expect_equal((by_kind["reload"]["trigger"], by_kind["reload"]["added"]), ("SIGHUP", ["reference-present"]),
                 "reload entry")
    check(len(by_kind["config"]["sha256"]) == 64, "config entry")
    status, body, _ = base.get_json(port, "/v1/audit?kind=waiver")
    expect_equal([e["kind"] for e in body["entries"]], ["waiver"], "kind filter")
    status, body, _ = base.get_json(port, "/v1/audit?since=2199-01-01T00:00:00Z")
    expect_equal((status, body.get("entries")), (200, []), "since filter: %r" % body)
    for query, text in [("kind=bogus", "kind: expected " + KINDS), ("limit=0", "limit: expected an integer from 1 to 1000"),
                        ("limit=1001", "limit: expected an integer from 1 to 1000"),
                        ("since=yesterday", "since: not an RFC 3339 timestamp"), ("cursor=zz", "cursor: invalid"),
                        ("colour=red", "colour: unknown query parameter"),
                        ("kind=batch&kind=breach", "kind: given more than once")]:
        status, body, _ = base.get_json(port, "/v1/audit?" + query)
        expect_equal((status, body), (400, {"error": text}), "GET /v1/audit?" + query)
    return entries


def test_verify_and_tamper(binary, config, db, entries):
    code, out, err = verify(binary, config)
    n = len(entries)
    expect_equal((code, out), (0, "audit: %d entries, chain intact, head %d %s\n" % (n, n, entries[-1]["hash"])),
                 "audit verify on the intact chain (stderr %r)" % err)
    shutil_copy = db + ".orig"
    with open(db, "rb") as src, open(shutil_copy, "wb") as dst:
        dst.write(src.read())
    con = sqlite3.connect(db)
    con.execute("DROP TRIGGER audit_no_update")
    con.execute("UPDATE audit SET detail = '{\"reason\":\"nothing to see\"}' WHERE seq = 5")
    con.commit()
    con.close()
    code, out, _ = verify(binary, config)
    expect_equal((code, out), (1, "audit: entry 5 broken: hash mismatch\n"), "audit verify names the tampered row")
    os.replace(shutil_copy, db)
    code, _, _ = verify(binary, config)
    expect_equal(code, 0, "the restored copy verifies")


def test_cli_errors(binary, tmp):
    def run(*argv):
        p = subprocess.run([binary] + list(argv), capture_output=True, text=True, timeout=30)
        return p.returncode, p.stderr
    code, err = run("audit")
    check(code == 2 and "slawatch: audit needs a subcommand: verify" in err, "audit alone: %d %r" % (code, err))
    code, err = run("audit", "check")
    check(code == 2 and "unknown audit subcommand 'check'" in err, "unknown subcommand: %d %r" % (code, err))
    code, err = run("audit", "verify", "--config", os.path.join(tmp, "missing.yaml"))
    check(code == 2 and "cannot read" in err, "missing config: %d %r" % (code, err))
    empty = os.path.join(tmp, "empty.yaml")
    with open(empty, "w") as f:
        f.write("storage:\n  path: %s/nowhere/slawatch.db\n" % tmp)
    code, err = run("audit", "verify", "--config", empty)
    check(code == 2 and err.startswith("audit: storage: cannot open %s/nowhere/slawatch.db: " % tmp),
          "missing database: %d %r" % (code, err))


def test_retention(daemon, binary, tmp, port, db):
    # The events of test_entries were received seconds ago: the start-up round prunes them.
    config = write_config(tmp, port, "2s")
    time.sleep(2.1)
    daemon.config = config
    daemon.start(port)
    wait_for("the start-up pruning", lambda: db_scalar(db, "SELECT count(*) FROM events") == 0)
    retention, _ = audit_all(port, "&kind=retention")
    if check(len(retention) >= 1, "a retention entry"):
        expect_equal(retention[0]["detail"]["count"], 3, "the three stored events were pruned")
        check(len(retention[0]["detail"]["events_sha256"]) == 64, "retention entry hashes the removed rows")
    configs, _ = audit_all(port, "&kind=config")
    expect_equal(len(configs), 2, "a changed configuration is a new config entry")
    expect_equal(len(base.all_breaches(port)), 1, "breaches stay")
    # A pruned event sent again is new to the store: accepted, evaluated again.
    status, body, _ = base.post_events(port, base.event("e-1"))
    expect_equal((status, body["accepted"]), (200, 1), "a pruned event is accepted again")
    wait_for("the periodic pruning", lambda: db_scalar(db, "SELECT count(*) FROM events") == 0)
    expect_equal(daemon.kill(signal.SIGTERM), 0, "exit code after SIGTERM")
    code, out, err = verify(binary, config)
    check(code == 0 and "chain intact" in out, "audit verify after pruning: %d %r %r" % (code, out, err))
    expect_equal(db_scalar(db, "SELECT count(*) FROM breaches"), 1, "the breach is still stored")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--source", required=True)
    args = ap.parse_args()
    started = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="slawatch-audit-")
    port = base.free_port()
    os.mkdir(os.path.join(tmp, "rules"))
    with open(os.path.join(tmp, "rules", "test-rules.yaml"), "w") as f:
        f.write(base.RULES)
    config = write_config(tmp, port, "400d")
    db = os.path.join(tmp, "data", "slawatch.db")
    daemon = base.Daemon(args.binary, config, os.path.join(tmp, "slawatch.log"))

    def scenario():
        daemon.start(port)
        entries = test_entries(daemon, port, tmp)
        expect_equal(daemon.kill(signal.SIGTERM), 0, "exit code after SIGTERM")
        test_verify_and_tamper(args.binary, config, db, entries)
        test_cli_errors(args.binary, tmp)
        daemon.start(port)   # same configuration: no new config entry
        configs, _ = audit_all(port, "&kind=config")
        expect_equal(len(configs), 1, "an unchanged configuration is recorded once")
        expect_equal(daemon.kill(signal.SIGTERM), 0, "exit code after SIGTERM")
        test_retention(daemon, args.binary, tmp, port, db)

    return base.run_scenario(daemon, tmp, started, scenario)


if __name__ == "__main__":
    sys.exit(main())
