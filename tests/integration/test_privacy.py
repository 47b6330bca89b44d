#!/usr/bin/env python3
"""Pseudonymisation (contract 2.2, privacy.pseudonymize) against the real binary: events with
distinctive raw values of listed fields go in over HTTP and through the spool directory,
breaches, obligations and webhook notifications follow, and the raw values appear nowhere —
not in the database file, its -wal file (before and after the checkpoint at shutdown), the
logs, /metrics, any API answer or any webhook body — while the pseudonym computed here with
hmac + base64 is the breach key. A missing, world-readable or short key file stops start-up
with a message naming privacy.key_file. `slawatch replay` pseudonymises raw input too.

Usage: test_privacy.py --binary PATH --source REPO_ROOT   (Python 3 stdlib only)
"""
import argparse
import base64
import hashlib
import hmac
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ops_support import (Daemon, check, expect_equal, finish, free_port, get_json,  # noqa: E402
                         request, wait_for, write_config)

KEY = b"k3y-for-the-privacy-test-0123456789"
RAW = {
    "subject": "RAWSUBJ-93817",
    "national_id": "NATID-55120",
    "msisdn": "254700918273",
    "spool_subject": "RAWSPOOL-44120",
    "spool_natid": "NATID-SPOOL-7781",
    "conflict_subject": "RAWSUBJ-CONFLICT-6612",
    "replay_subject": "RAWREPLAY-30571",
}

RULES = """\
partners:
  - { id: bank-a, name: Bank A, class: bank }
rules:
  - id: case-closed-2s
    kind: deadline
    category: timeliness
    severity: major
    description: A beneficiary's case is closed within two seconds.
    start: { when: "event.type == 'case.opened'", key: event.subject }
    stop: { when: "event.type == 'case.closed'", key: event.subject }
    within: 2s
    warn_at: [50%]
  - id: id-checked
    kind: condition
    category: integrity
    severity: minor
    description: The national id and the subject are checked.
    when: event.type == 'id.checked'
    require: event.attributes.national_id.startsWith('NATID') && event.subject.startsWith('RAW')
             && event.attributes.msisdn.startsWith('2547')
"""


def pseudonym(value):
    mac = hmac.new(KEY, value.encode(), hashlib.sha256).digest()
    return "ps:" + base64.urlsafe_b64encode(mac).decode().rstrip("=")[:22]


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % int((t % 1) * 1000)


def ev(eid, kind, subject, natid=None, msisdn=None):
    e = {"id": eid, "partner": "bank-a", "type": kind, "occurred_at": iso(time.time()), "subject": subject}
    attributes = {}
    if natid is not None:
        attributes["national_id"] = natid
    if msisdn is not None:
        attributes["msisdn"] = msisdn
    if attributes:
        e["attributes"] = attributes
    return e


def post(port, body):
    status, text, _ = request(port, "POST", "/v1/events", json.dumps(body), {"Content-Type": "application/json"})
    return status, json.loads(text)


class Hooks(http.server.BaseHTTPRequestHandler):
    bodies = []

    def do_POST(self):   # noqa: N802
        n = int(self.headers.get("Content-Length", "0"))
        Hooks.bodies.append(self.rfile.read(n).decode(errors="replace"))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def start_hook_server():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hooks)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def raw_hits(text, where):
    """Checks that no raw value occurs in `text`; returns the ones found."""
    found = [v for v in RAW.values() if v in text]
    check(not found, "%s carries raw values %r" % (where, found))
    return found


def read_bytes(path):
    if not os.path.exists(path):
        return ""
    with open(path, "rb") as f:
        return f.read().decode("latin-1")


def drop(spool, rel, text):
    path = os.path.join(spool, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.rename(path + ".tmp", path)


def write_key(path, data, mode):
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, mode)


def traffic(port, spool):
    """HTTP and spool events that open obligations, breach deadlines and conditions."""
    checked = ev("i-1", "id.checked", RAW["subject"], RAW["national_id"], RAW["msisdn"])
    status, body = post(port, [ev("c-1", "case.opened", RAW["subject"], RAW["national_id"], RAW["msisdn"]),
                               checked])
    expect_equal((status, body["accepted"]), (200, 2), "HTTP events accepted: %r" % body)
    again = dict(checked)
    status, body = post(port, [again])
    expect_equal((status, body["duplicates"]), (200, 1), "the same raw event again is a duplicate")
    again["subject"] = RAW["conflict_subject"]
    status, body = post(port, [again])
    expect_equal((status, body["rejected"]), (200, 1), "same id, other raw subject is a conflict")
    raw_hits(json.dumps(body), "conflict answer")
    status, body = post(port, [dict(ev("bad-1", "id.checked", RAW["subject"], RAW["national_id"]), sent_at="soon")])
    raw_hits(json.dumps(body), "rejection answer")
    drop(spool, "bank-a/cases.ndjson",
         json.dumps(ev("s-1", "case.opened", RAW["spool_subject"], RAW["spool_natid"])) + "\n")
    result = os.path.join(spool, "bank-a", "done", "cases.ndjson.result.json")
    check(wait_for(lambda: os.path.exists(result), 15), "spool file ingested")
    raw_hits(read_bytes(result), "spool result file")


def check_answers(port):
    """Every read answer, and the pseudonyms where they belong."""
    ps_subject, ps_spool = pseudonym(RAW["subject"]), pseudonym(RAW["spool_subject"])
    deadline_keys = lambda: sorted(b["key"] for b in get_json(port, "/v1/breaches?rule=case-closed-2s")[1]["breaches"])
    check(wait_for(lambda: len(deadline_keys()) == 2, 10), "both deadlines breached: %r" % deadline_keys())
    expect_equal(deadline_keys(), sorted([ps_subject, ps_spool]), "breach keys are the pseudonyms")
    texts = []
    for path in ("/v1/breaches?limit=100", "/v1/obligations", "/v1/notifications", "/v1/partners",
                 "/v1/rules", "/metrics", "/v1/breaches?rule=id-checked"):
        status, text, _ = request(port, "GET", path)
        check(status == 200, "GET %s: %d" % (path, status))
        texts.append(text)
        raw_hits(text, "GET " + path)
    breaches = get_json(port, "/v1/breaches?limit=100")[1]["breaches"]
    for b in breaches:
        status, text, _ = request(port, "GET", "/v1/breaches/" + b["id"])
        raw_hits(text, "GET /v1/breaches/" + b["id"])
    cond = [b for b in breaches if b["rule"] == "id-checked"]
    if expect_equal(len(cond), 1, "the condition saw pseudonyms and breached once"):
        observed = cond[0]["evidence"].get("observed", "")
        check(pseudonym(RAW["national_id"]) in observed and pseudonym(RAW["msisdn"]) in observed,
              "condition evidence shows the pseudonyms: %r" % observed)
    check(any(ps_subject in b["message"] for b in breaches), "a message names the subject's pseudonym")
    return texts


def run_daemon(binary, tmp, port, spool, cfg):
    d = Daemon(binary, cfg, os.path.join(tmp, "serve.log"), env=dict(os.environ, PRIVACY_HOOK_SECRET="s3cret"))
    db = os.path.join(tmp, "data", "slawatch.db")
    try:
        d.start(port)
        traffic(d.port, spool)
        check_answers(d.port)
        check(wait_for(lambda: len(Hooks.bodies) >= 3, 15), "webhook deliveries: %d" % len(Hooks.bodies))
        raw_hits("\n".join(Hooks.bodies), "webhook bodies")
        check(any(pseudonym(RAW["subject"]) in b for b in Hooks.bodies), "a webhook body names the pseudonym")
        wal = read_bytes(db + "-wal")
        check(len(wal) > 0, "the -wal file holds data while running")
        raw_hits(wal, "the -wal file while running")
        raw_hits(read_bytes(db), "the database file while running")
        check(pseudonym(RAW["subject"]) in read_bytes(db) + wal, "the pseudonym is stored")
        expect_equal(d.stop(), 0, "clean shutdown")
    finally:
        d.stop()
    raw_hits(read_bytes(db), "the database file after the checkpoint")
    raw_hits(read_bytes(db + "-wal"), "the -wal file after the checkpoint")
    log = d.log_text()
    raw_hits(log, "the daemon log")
    check("pseudonymisation on" in log, "start-up logs that pseudonymisation is on")
    return d


def refused(binary, tmp, name, key_setup, expected):
    """A key file problem stops start-up with `expected` in the log."""
    work = os.path.join(tmp, name)
    os.makedirs(work)
    key = os.path.join(work, "pseudonym.key")
    key_setup(key)
    cfg = write_config(work, free_port(), os.path.join(tmp, "rules.yaml"),
                       "privacy:\n  pseudonymize: [subject]\n  key_file: %s\n" % key)
    p = subprocess.run([binary, "serve", "--config", cfg], capture_output=True, text=True, timeout=30)
    check(p.returncode != 0, "%s: exit code %d" % (name, p.returncode))
    check(expected % {"key": key} in p.stderr, "%s: %r not in %r" % (name, expected % {"key": key}, p.stderr[-600:]))


def test_refusals(binary, tmp):
    refused(binary, tmp, "missing", lambda k: None,
            "privacy.key_file: cannot read %(key)s: No such file or directory")
    refused(binary, tmp, "world-readable", lambda k: write_key(k, KEY, 0o644),
            "privacy.key_file: %(key)s is readable by other users (mode 0644); chmod 600 it")
    refused(binary, tmp, "group-writable", lambda k: write_key(k, KEY, 0o620),
            "privacy.key_file: %(key)s is writable by its group (mode 0620); chmod 600 it")
    refused(binary, tmp, "short", lambda k: write_key(k, b"short-key", 0o600),
            "privacy.key_file: %(key)s has 9 bytes, at least 16 are needed (head -c 32 /dev/urandom > %(key)s)")
    refused(binary, tmp, "empty", lambda k: write_key(k, b"", 0o600),
            "privacy.key_file: %(key)s has 0 bytes, at least 16 are needed")


def test_replay(binary, tmp, cfg):
    """Raw input is pseudonymised; a stored (already pseudonymised) event is not hashed again."""
    events = os.path.join(tmp, "replay.ndjson")
    t = time.time() - 3600
    with open(events, "w") as f:
        for eid, subject in (("r-1", RAW["replay_subject"]), ("r-2", pseudonym(RAW["subject"]))):
            f.write(json.dumps({"id": eid, "partner": "bank-a", "type": "case.opened",
                                "occurred_at": iso(t), "subject": subject}) + "\n")
    p = subprocess.run([binary, "replay", "--config", cfg, "--events", events, "--until", iso(t + 60)],
                       capture_output=True, text=True, timeout=60)
    expect_equal(p.returncode, 0, "replay exit code (stderr %r)" % p.stderr[-400:])
    keys = sorted(json.loads(line)["key"] for line in p.stdout.splitlines() if line.strip())
    expect_equal(keys, sorted([pseudonym(RAW["replay_subject"]), pseudonym(RAW["subject"])]),
                 "replay breach keys are pseudonyms, stored ones kept")
    raw_hits(p.stdout + p.stderr, "replay output")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--source", required=True)
    args = ap.parse_args()
    hooks = start_hook_server()
    d = None
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "rules.yaml"), "w") as f:
            f.write(RULES)
        key = os.path.join(tmp, "pseudonym.key")
        write_key(key, KEY, 0o600)
        spool = os.path.join(tmp, "spool")
        port = free_port()
        cfg = write_config(
            tmp, port, os.path.join(tmp, "rules.yaml"),
            "privacy:\n  pseudonymize: [subject, attributes.national_id, attributes.msisdn]\n  key_file: %s\n"
            "ingest:\n  spool_dir: %s\n"
            "alerting:\n  webhooks:\n    - { name: ops, url: \"http://127.0.0.1:%d/hook\", secret_env: PRIVACY_HOOK_SECRET }\n"
            % (key, spool, hooks.server_address[1]))
        try:
            d = run_daemon(args.binary, tmp, port, spool, cfg)
            test_refusals(args.binary, tmp)
            test_replay(args.binary, tmp, cfg)
        finally:
            hooks.shutdown()
        return finish([d] if d else [])


if __name__ == "__main__":
    sys.exit(main())
