#!/usr/bin/env python3
"""`slawatch backup` copies the database online: while a daemon ingests (`slawatch simulate`
running), the backup completes, the copy passes PRAGMA integrity_check and holds events; the
daemon is not disturbed (no failed request). A second backup to the same file is refused, and
a missing database is an error. The copy restores: a daemon started on it serves its events.

Usage: test_backup.py --binary PATH --source REPO_ROOT
"""
import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ops_support import (Daemon, check, expect_equal, finish, free_port, get_json,  # noqa: E402
                         wait_for, write_config)
from test_simulate import secrets_env  # noqa: E402


def backup(binary, cfg, dest, env):
    return subprocess.run([binary, "backup", "--config", cfg, "-o", dest],
                          capture_output=True, text=True, timeout=60, env=env)


def run(args, tmp):
    port = free_port()
    rules = os.path.join(args.source, "rules", "*.yaml")
    cfg = write_config(tmp, port, rules)
    env = secrets_env(args.source)
    d = Daemon(args.binary, cfg, os.path.join(tmp, "serve.log"), env)
    dest = os.path.join(tmp, "backup.db")
    try:
        d.start(port)
        sim = subprocess.Popen([args.binary, "simulate", "--url", "http://127.0.0.1:%d" % port,
                                "--partners", "6", "--rate", "400", "--duration", "6s",
                                "--breach-rate", "0.1", "--seed", "5"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        db = os.path.join(tmp, "data", "slawatch.db")
        grown = wait_for(lambda: os.path.exists(db + "-wal") and os.path.getsize(db + "-wal") > 0, 20)
        check(grown, "the daemon is writing")
        time.sleep(1.5)   # mid-way through the simulation
        b = backup(args.binary, cfg, dest, env)
        still_running = sim.poll() is None
        expect_equal(b.returncode, 0, "backup exit code (stderr: %s)" % b.stderr[-500:])
        check(still_running, "the backup finished while simulate was still sending")
        summary = json.loads(b.stdout) if b.returncode == 0 else {}
        print("backup: " + b.stdout.strip(), flush=True)
        expect_equal(summary.get("integrity"), "ok", "reported integrity")
        check(summary.get("events", 0) > 0, "the backup reports events")
        check(summary.get("bytes", 0) == summary.get("pages", -1) * summary.get("page_size", -1),
              "bytes = pages × page_size")
        out, err = sim.communicate(timeout=60)
        expect_equal(sim.returncode, 0, "simulate exit code during the backup (stderr: %s)" % err[-300:])
        sim_summary = json.loads(out)
        expect_equal(sim_summary["failed_requests"], 0, "no request failed during the backup")

        con = sqlite3.connect("file:%s?mode=ro" % dest, uri=True)
        expect_equal(con.execute("PRAGMA integrity_check").fetchone()[0], "ok", "integrity_check of the copy")
        events = con.execute("SELECT count(*) FROM events").fetchone()[0]
        con.close()
        expect_equal(events, summary.get("events"), "events in the copy = reported")
        check(0 < events <= sim_summary["accepted"], "the copy holds part of the traffic: %d of %d"
              % (events, sim_summary["accepted"]))

        again = backup(args.binary, cfg, dest, env)
        expect_equal(again.returncode, 1, "a second backup to the same file")
        expect_equal(again.stderr.strip(), "slawatch: backup: %s already exists" % dest, "refusal text")
        expect_equal(d.stop(), 0, "clean shutdown")

        os.makedirs(os.path.join(tmp, "other"))
        missing_cfg = write_config(os.path.join(tmp, "other"), port, rules)
        nodb = backup(args.binary, missing_cfg, os.path.join(tmp, "x.db"), env)
        expect_equal(nodb.returncode, 1, "backup of a missing database")
        expect_equal(nodb.stderr.strip(), "slawatch: storage: %s: cannot open: no such file"
                     % os.path.join(tmp, "other", "data", "slawatch.db"), "missing database text")
        check(not os.path.exists(os.path.join(tmp, "x.db")), "no file left behind by a failed backup")

        # Restore: a daemon on the copy serves the copied events.
        restore_dir = os.path.join(tmp, "restore")
        os.makedirs(os.path.join(restore_dir, "data"))
        os.replace(dest, os.path.join(restore_dir, "data", "slawatch.db"))
        port2 = free_port()
        r = Daemon(args.binary, write_config(restore_dir, port2, rules), os.path.join(tmp, "restore.log"), env)
        try:
            r.start(port2)
            status, body = get_json(port2, "/v1/partners")
            expect_equal(status, 200, "the restored daemon answers")
            expect_equal(r.stop(), 0, "restored daemon: clean shutdown")
        finally:
            r.stop()
    finally:
        d.stop()
    return finish([d])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--source", required=True)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        return run(args, tmp)


if __name__ == "__main__":
    sys.exit(main())
