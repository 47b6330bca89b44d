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


def cpu_us(j):
    """Daemon CPU microseconds per event: steadier than events/s on a shared machine."""
    return 1e6 * j["daemon_cpu_seconds"] / max(1, j["events"])


def ingest_line(j):
    lat = j["latency_ms"]
    return (f"{j['events_per_second']:,.0f} events/s; ack p50 {lat['p50']:.1f} ms, p99 {lat['p99']:.1f} ms; "
            f"daemon {j['daemon_cpu_seconds']:.1f} CPU-s ({cpu_us(j):.0f} µs/event), "
            f"peak RSS {j['daemon_vmhwm_mib']:.0f} MiB"
            + (f"; {j['failed_requests']} failed requests" if j["failed_requests"] else ""))


def ingest_rows(out, eng):
    """Rows of the ingest, baseline, peer, timer and growth benchmarks (issue 9 targets)."""
    rows = []
    base = load(os.path.join(out, "baseline.json"))
    batch = load(os.path.join(out, "batch.json"))
    single = load(os.path.join(out, "single.json"))
    if base:
        rows.append((f"baseline: raw SQLite, {base['rows']:,} rows, 1000-row transactions, sync FULL",
                     f"{base['rows_per_second']:,.0f} rows/s ({base['mean_doc_bytes']:.0f} B docs)", "", None))
    if batch:
        ratio = batch["events_per_second"] / base["rows_per_second"] if base else None
        rows.append((f"ingest NDJSON 1000/request, {batch['connections']} connections, {batch['events']:,} events",
                     ingest_line(batch), ">= 200k/s", batch["events_per_second"] >= 200000))
        if ratio is not None:
            rows.append(("  ingest / baseline of this run", f"{ratio:.2f}", ">= 0.5", ratio >= 0.5))
    if single:
        rows.append((f"ingest single-event POSTs, 64 connections, {single['events']:,} events",
                     ingest_line(single), ">= 30k/s, p99 <= 10 ms",
                     single["events_per_second"] >= 30000 and single["latency_ms"]["p99"] <= 10))
    peer = load(os.path.join(out, "peer.json"))
    gen = [b for b in eng.get("benchmarks", []) if "generated" in b["name"]]
    if gen:
        ours = gen[0]["items_per_second"]
        rows.append(("engine, 50 condition rules, per CPU-second", f"{ours:,.0f} events/s",
                     ">= 1M/s", ours >= 1000000))
        if peer:
            ratio = ours / peer["events_per_cpu_second"]
            rows.append((f"peer: json-rules-engine {peer['version']} on node {peer['node']}, same rules/events",
                         f"{peer['events_per_cpu_second']:,.0f} events/s; slawatch/peer = {ratio:,.0f}x",
                         ">= 300x", ratio >= 300))
    tim = load(os.path.join(out, "timers.json"))
    if tim:
        late = tim["lateness_ms"]
        rows.append((f"breach timing: {tim['breaches_found']}/{tim['timers']} breaches, load "
                     f"{tim['events_per_second']:,.0f} of {tim['load_rate_target']:,.0f} events/s asked",
                     f"lateness p50 {late['p50']:.1f} ms, p99 {late['p99']:.1f} ms, max {late['max']:.1f} ms",
                     "p99 <= 100 ms", late["p99"] <= 100 and tim["breaches_found"] == tim["timers"]))
    sizes = sorted((int(f[len("growth-"):-len(".json")]), load(os.path.join(out, f)))
                   for f in os.listdir(out) if f.startswith("growth-") and f.endswith(".json")
                   and not f.startswith("growth-populate"))
    for size, g in sizes:
        if g:
            rows.append((f"growth: ingest at {size:,} stored events", ingest_line(g), "", None))
    if len(sizes) >= 2 and sizes[0][1] and sizes[-1][1]:
        ratio = sizes[-1][1]["events_per_second"] / sizes[0][1]["events_per_second"]
        cpu_ratio = cpu_us(sizes[0][1]) / cpu_us(sizes[-1][1])
        rows.append((f"  growth: {sizes[-1][0]:,} / {sizes[0][0]:,} stored, events/s (per CPU-s)",
                     f"{ratio:.2f} ({cpu_ratio:.2f})", ">= 0.8", ratio >= 0.8))
    return rows


def main():
    out, events = sys.argv[1], int(sys.argv[2])
    smoke = len(sys.argv) > 3 and sys.argv[3] == "--smoke"   # tiny sizes: no verdicts
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
        if "stream_restore_seconds" in rest:   # what serve's recover() does: chunks of rows
            st = rest["stream_restore_seconds"]
            rows.append((f"streamed restore ({rest['stream_chunk_rows']:,}-row chunks) + ids not taken, wall (CPU)",
                         f"{st:.2f} s ({rest['stream_restore_cpu_seconds']:.2f} s)", "< 3 s",
                         st < 3 if events >= 1000000 else None))
            peak = rest["stream_peak_rss_mib"]
            rows.append(("streamed restore peak RSS; after malloc_trim; same state",
                         f"{peak:.0f} MiB; {rest['stream_rss_after_trim_mib']:.0f} MiB; "
                         f"{'yes' if rest.get('stream_matches') else 'NO'}", "< 300 MB",
                         peak * 1.048576 < 300 if events >= 1000000 else None))
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
        if not os.path.exists(os.path.join(out, name + ".err")):
            continue   # not run (scripts/bench --only)
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
    rows += ingest_rows(out, eng)
    width = max(len(r[0]) for r in rows)
    vwidth = max(len(r[1]) for r in rows)
    print(f"{'metric':<{width}}  {'value':<{vwidth}}  {'target':<8}  status")
    for metric, value, target, ok in rows:
        verdict = status(ok) if target and not smoke else ""
        print(f"{metric:<{width}}  {value:<{vwidth}}  {target or '—':<8}  {verdict}")


if __name__ == "__main__":
    main()
