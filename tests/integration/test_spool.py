#!/usr/bin/env python3
"""The spool directory (contract 2.4) against the real binary: good, broken, mixed-partner
and unknown-partner files are filed into done/ and failed/ with the POST body or the reason;
unfinished files (dot-files, *.tmp) stay; breaches of spooled events appear in the API; a
file dropped again after a crash between commit and move gives duplicates, not doubles.

Usage: test_spool.py --binary PATH --source REPO_ROOT
"""
import argparse
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ops_support import (Daemon, check, expect_equal, finish, free_port, get_json,  # noqa: E402
                         wait_for, write_config)

RULES = """\
partners:
  - { id: bank-a, name: Bank A, class: bank }
  - { id: bank-b, name: Bank B, class: bank }
rules:
  - id: amount-positive
    kind: condition
    category: integrity
    severity: major
    description: A collected contribution has a positive amount.
    when: event.type == 'contribution.collected'
    require: event.attributes.amount > 0
"""


def event(i, partner="bank-a", amount=10):
    return json.dumps({"id": "e-%s" % i, "partner": partner, "type": "contribution.collected",
                       "occurred_at": "2026-11-26T09:15:00Z", "attributes": {"amount": amount}}) + "\n"


def drop(spool, rel, text):
    """The drop protocol: write <name>.tmp, then rename it into place."""
    path = os.path.join(spool, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.rename(path + ".tmp", path)


def read_json(path):
    with open(path) as f:
        return json.load(f)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--source", required=True)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        spool = os.path.join(tmp, "spool")
        with open(os.path.join(tmp, "rules.yaml"), "w") as f:
            f.write(RULES)
        port = free_port()
        cfg = write_config(tmp, port, os.path.join(tmp, "rules.yaml"), "ingest:\n  spool_dir: %s\n" % spool)
        d = Daemon(args.binary, cfg, os.path.join(tmp, "serve.log"))
        try:
            d.start(port)
            check(os.path.isdir(spool), "serve creates the spool directory")
            drop(spool, "bank-a/good.ndjson", event(1) + event(2, amount=-5) + event(3))
            drop(spool, "bank-a/broken.ndjson", event(4) + "{oops\n")
            drop(spool, "bank-a/mixed.ndjson", event(5) + event(6, partner="bank-b"))
            drop(spool, "bank-z/unknown.ndjson", event(7, partner="bank-z"))
            with open(os.path.join(spool, "bank-a", ".hidden.ndjson"), "w") as f:
                f.write(event(8))
            with open(os.path.join(spool, "bank-a", "wip.ndjson.tmp"), "w") as f:
                f.write(event(9))
            a = os.path.join(spool, "bank-a")
            done = lambda: os.path.exists(os.path.join(a, "done", "mixed.ndjson.result.json")) and \
                os.path.exists(os.path.join(spool, "bank-z", "failed", "unknown.ndjson.error.json"))
            check(wait_for(done, 15), "files are filed within 15 s")
            expect_equal(read_json(os.path.join(a, "done", "good.ndjson.result.json")),
                         {"accepted": 3, "duplicates": 0, "rejected": 0, "errors": []}, "good file result")
            expect_equal(read_json(os.path.join(a, "done", "mixed.ndjson.result.json")),
                         {"accepted": 1, "duplicates": 0, "rejected": 1, "errors": [
                             {"index": 1, "id": "e-6", "reason": "partner_mismatch",
                              "error": "partner: token is for 'bank-a', not 'bank-b'"}]}, "mixed file result")
            err = read_json(os.path.join(a, "failed", "broken.ndjson.error.json"))
            check(err["error"].startswith("body: invalid JSON at line 2, column"), "broken file reason: %r" % err)
            check(os.path.exists(os.path.join(a, "failed", "broken.ndjson")), "broken file moved to failed/")
            expect_equal(read_json(os.path.join(spool, "bank-z", "failed", "unknown.ndjson.error.json")),
                         {"error": "spool: unknown partner 'bank-z' (directory %s)" % os.path.join(spool, "bank-z")},
                         "unknown partner reason")
            check(os.path.exists(os.path.join(a, ".hidden.ndjson")), "dot-file left alone")
            check(os.path.exists(os.path.join(a, "wip.ndjson.tmp")), "*.tmp left alone")
            status, body = get_json(port, "/v1/breaches?partner=bank-a")
            expect_equal((status, [b["key"] for b in body["breaches"]]), (200, ["e-2"]), "breach of a spooled event")
            # A crash between commit and move: the same file comes back.
            drop(spool, "bank-a/good.ndjson", event(1) + event(2, amount=-5) + event(3))
            again = os.path.join(a, "done", "good.1.ndjson.result.json")
            check(wait_for(lambda: os.path.exists(again), 15), "re-dropped file is filed under a new name")
            expect_equal(read_json(again), {"accepted": 0, "duplicates": 3, "rejected": 0, "errors": []},
                         "re-ingested file gives duplicates")
            status, body = get_json(port, "/v1/breaches?partner=bank-a")
            expect_equal(len(body["breaches"]), 1, "no doubled breach")
            expect_equal(d.stop(), 0, "clean shutdown")
        finally:
            d.stop()
        return finish([d])


if __name__ == "__main__":
    sys.exit(main())
