#!/usr/bin/env python3
"""Prints the summary table of scripts/bench from the raw results in DIR.

Usage: bench/summary.py DIR EVENTS   (DIR holds state-fill.json, state-restore.json,
engine.json, replay.err and the /usr/bin/time -v outputs *.time)
"""
import json
import os
import re
import sys


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def max_rss_mib(path):
    try:
        text = open(path).read()
    except OSError:
        return None
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    return int(m.group(1)) / 1024 if m else None


def replay_summary(path):
    try:
        lines = [l for l in open(path).read().splitlines() if l.startswith('{"events"')]
    except OSError:
        return None
    return json.loads(lines[-1]) if lines else None


def status(ok):
    return "—" if ok is None else ("met" if ok else "MISSED")


def main():
    out, events = sys.argv[1], int(sys.argv[2])
    fill = load(os.path.join(out, "state-fill.json")) or {}
    rest = load(os.path.join(out, "state-restore.json")) or {}
    eng = load(os.path.join(out, "engine.json")) or {}
    rows = []
    n = f"{events:,}"
    if fill:
        rows.append((f"engine: {n} start events, events/s (per CPU-s)",
                     f"{fill['events_per_second']:,.0f} ({fill['events_per_cpu_second']:,.0f})", "", None))
        rows.append((f"memory of {fill['open_obligations']:,} open obligations (VmRSS delta)",
                     f"{fill['obligations_mib']:.0f} MiB ({fill['bytes_per_obligation']:.0f} B each)",
                     "< 300 MB", fill["obligations_mib"] * 1.048576 < 300 if events >= 1000000 else None))
        rows.append(("snapshot() of that state", f"{fill['snapshot_seconds']:.2f} s", "", None))
        rows.append(("store write, 10k rows per transaction",
                     f"{fill['store_rows_per_second']:,.0f} rows/s, {fill['store_file_mib']:.0f} MiB file", "", None))
    if rest:
        core = rest["restore_core_seconds"]
        rows.append(("restore: open + load_state + restore, wall (CPU)",
                     f"{core:.2f} s ({rest['restore_core_cpu_seconds']:.2f} s)", "< 3 s",
                     core < 3 if events >= 1000000 else None))
        rows.append(("  of which load_state / engine.restore (CPU)",
                     f"{rest['load_state_cpu_seconds']:.2f} s / {rest['restore_cpu_seconds']:.2f} s", "", None))
        rows.append(("  + ingest recover()'s snapshot id check, wall (CPU)",
                     f"{rest['recover_total_seconds']:.2f} s ({rest['recover_total_cpu_seconds']:.2f} s)", "", None))
        rows.append(("restore peak RSS: rows loaded / with the snapshot check",
                     f"{rest['peak_rss_core_mib']:.0f} / {rest['peak_rss_recover_mib']:.0f} MiB", "", None))
        rows.append(("RSS after restore: as left / after malloc_trim",
                     f"{rest['rss_after_restore_mib']:.0f} / {rest['rss_after_trim_mib']:.0f} MiB", "", None))
        rows.append(("timers: breaches/s (CPU) ticking every due time",
                     f"{rest['breaches_per_second']:,.0f} ({rest['breaches_per_cpu_second']:,.0f}), "
                     f"{rest['tick_breaches']:,} breaches + {rest['tick_warnings']:,} warnings", "", None))
        rows.append(("timers: max |detected_at - due| in simulation",
                     f"{rest['max_detection_lag_ns']} ns", "0", rest["max_detection_lag_ns"] == 0
                     and rest["breaches_not_at_tick"] == 0))
    for b in eng.get("benchmarks", []):
        name = b["name"].split("/")[0].replace("BM_", "")
        rows.append((f"conditions per core: {name} ({int(b.get('rules', 0))} rules)",
                     f"{b['items_per_second']:,.0f} events/s", "", None))
    for name, label in (("replay-conditions", "condition packs: security, purpose, integrity"),
                        ("replay", "every shipped rule, rules/*.yaml")):
        rep = replay_summary(os.path.join(out, name + ".err"))
        if not rep:
            rows.append((f"replay ({label})", f"failed: see {name}.err", "", None))
            continue
        rss = max_rss_mib(os.path.join(out, name + ".time"))
        rows.append((f"replay {rep['events']:,} events ({label})",
                     f"{rep['events_per_second']:,.0f} events/s, {rep['seconds']:.1f} s", "", None))
        rows.append(("  peak RSS (/usr/bin/time -v); breaches, open obligations at the end",
                     f"{rss:.0f} MiB; {rep['breaches']:,}, {rep['open_obligations']:,}"
                     if rss else "?", "", None))
    width = max(len(r[0]) for r in rows)
    vwidth = max(len(r[1]) for r in rows)
    print(f"{'metric':<{width}}  {'value':<{vwidth}}  {'target':<8}  status")
    for metric, value, target, ok in rows:
        print(f"{metric:<{width}}  {value:<{vwidth}}  {target or '—':<8}  {status(ok) if target else ''}")


if __name__ == "__main__":
    main()
