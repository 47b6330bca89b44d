#!/usr/bin/env python3
"""Writes synthetic partner events as NDJSON (events as stored: envelope + received_at +
transport) for `slawatch replay` benchmarks and demos. Deterministic for a given --seed.

Usage: bench/gen_events.py [--events N] [--seed S] [--breach-rate F] [--duplicate-rate F]
                           [--start 2026-11-02T06:00:00Z] [--step-ms MS] > events.ndjson
Partners and event types follow the shipped rules/ packs (rules/partners.yaml).
"""
import argparse
import datetime as dt
import json
import random
import sys

PARTNERS = ["bank-a", "posta-ke", "mm-pay", "agent-afya"]
SIGNED = {"mm-pay"}   # require_signature: true in rules/partners.yaml
PURPOSES = {"bank-a": "reconcile", "posta-ke": "reconcile", "mm-pay": "reconcile",
            "agent-afya": "verify_entitlement"}


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


def make_event(i, rng, t, breach):
    partner = PARTNERS[i % len(PARTNERS)]
    kind = rng.random()
    ev = {"id": "E-%09d" % i, "partner": partner, "occurred_at": iso(t - dt.timedelta(seconds=3))}
    if kind < 0.45:
        ev["type"] = "contribution.collected"
        ev["attributes"] = {"amount": round(rng.uniform(10, 5000), 2), "currency": "KES",
                            "receipt_no": "R-%09d" % i, "channel": "branch"}
        if breach:
            ev["attributes"]["amount"] = 0
    elif kind < 0.75:
        ev["type"] = "contribution.remitted"
        ev["attributes"] = {"amount": round(rng.uniform(10, 5000), 2), "currency": "KES",
                            "receipt_nos": ["R-%09d" % (i - 1)], "report_id": "RPT-%d" % (i // 1000)}
        if breach:
            del ev["attributes"]["report_id"]
    else:
        ev["type"] = "data.accessed"
        ev["purpose"] = "marketing" if breach else PURPOSES[partner]
        ev["subject"] = "ps:%020x" % rng.getrandbits(80)
        ev["attributes"] = {"operator_id": "op-%d" % (i % 97), "role": "clerk",
                            "data_category": "identity.basic"}
    ev["received_at"] = iso(t)
    ev["transport"] = {"source": "http", "tls": True, "tls_version": "TLSv1.3",
                       "client_cert": None, "authenticated_as": partner + "-ingest",
                       "signature": "valid" if partner in SIGNED else "absent"}
    return ev


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=1000000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--breach-rate", type=float, default=0.01)
    ap.add_argument("--duplicate-rate", type=float, default=0.005)
    ap.add_argument("--start", default="2026-11-02T06:00:00Z")
    ap.add_argument("--step-ms", type=float, default=50.0)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    start = dt.datetime.fromisoformat(a.start.replace("Z", "+00:00"))
    out = sys.stdout
    previous = None
    for i in range(a.events):
        t = start + dt.timedelta(milliseconds=a.step_ms * i)
        if previous is not None and rng.random() < a.duplicate_rate:
            out.write(previous + "\n")   # a resend: same partner, id and content
            continue
        line = json.dumps(make_event(i, rng, t, rng.random() < a.breach_rate), separators=(",", ":"))
        out.write(line + "\n")
        previous = line


if __name__ == "__main__":
    main()
