#!/usr/bin/env python3
"""Every query of every dashboard in grafana/dashboards returns data: a real `slawatch serve`
(shipped rules, a webhook sink) fed by `slawatch simulate` for ~25 s, scraped every second by a
real `prometheus` on loopback. Template variables are substituted as Grafana would
($partner → a simulated partner, $job → .+, $__rate_interval → 1m, $__range → 5m ...); each
target runs as an instant query (table/stat panels) or a range query (time series, heatmap)
and must return at least one series with a finite value. A panel that shows nothing on live
simulated traffic is a broken panel.

Usage: test_grafana_queries.py --binary PATH --source REPO_ROOT
"""
import argparse
import glob
import http.server
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ops_support import Daemon, check, expect_equal, finish, free_port, wait_for, write_config  # noqa: E402
from test_simulate import secrets_env  # noqa: E402

SIMULATE_SECONDS = 25
MACROS = [("__rate_interval", "1m"), ("__interval_ms", "15000"), ("__interval", "15s"),
          ("__range_ms", "300000"), ("__range_s", "300"), ("__range", "5m")]


class Hook(http.server.BaseHTTPRequestHandler):
    """A webhook receiver that accepts everything, so notifications are `sent`."""

    def do_POST(self):  # noqa: N802 (http.server API)
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def prom_get(port, path, **params):
    url = "http://127.0.0.1:%d%s?%s" % (port, path, urllib.parse.urlencode(params))
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return json.loads(r.read())
    except urllib.error.HTTPError as e:
        return json.loads(e.read() or b'{"status":"error","error":"http %d"}' % e.code)


def start_prometheus(tmp, port, target_port):
    cfg = os.path.join(tmp, "prometheus.yml")
    with open(cfg, "w") as f:
        f.write("global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
                "scrape_configs:\n  - job_name: slawatch\n"
                "    static_configs: [{targets: ['127.0.0.1:%d']}]\n" % target_port)
    log = open(os.path.join(tmp, "prometheus.log"), "wb")
    proc = subprocess.Popen(["prometheus", "--config.file=" + cfg,
                             "--storage.tsdb.path=" + os.path.join(tmp, "prom"),
                             "--web.listen-address=127.0.0.1:%d" % port], stdout=log, stderr=log)
    ready = wait_for(lambda: _ready(port, proc), 30, 0.2)
    if not ready:
        proc.kill()
        raise RuntimeError("prometheus not ready: " + open(log.name, errors="replace").read()[-2000:])
    return proc


def _ready(port, proc):
    if proc.poll() is not None:
        raise RuntimeError("prometheus exited with %d" % proc.returncode)
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/-/ready" % port, timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def substitute(expr, variables):
    for name, value in MACROS + sorted(variables.items(), key=lambda kv: -len(kv[0])):
        expr = expr.replace("${%s}" % name, value).replace("$" + name, value)
    return expr


def panels_of(dashboard):
    for p in dashboard.get("panels", []):
        yield from (p.get("panels") or []) if p.get("type") == "row" else [p]


def has_data(answer, instant):
    if answer.get("status") != "success":
        return False, "error: %s" % answer.get("error")
    series = answer["data"]["result"]
    if answer["data"]["resultType"] == "scalar":
        series = [{"value": series}]
    values = [s["value"][1] for s in series] if instant else \
        [v[1] for s in series for v in s.get("values", [])]
    finite = [v for v in values if not math.isnan(float(v)) and not math.isinf(float(v))]
    return bool(finite), "%d series, %d finite values" % (len(series), len(finite))


def check_dashboards(source, prom_port, variables):
    now = time.time()
    total = 0
    for path in sorted(glob.glob(os.path.join(source, "grafana", "dashboards", "*.json"))):
        with open(path) as f:
            dashboard = json.load(f)
        for panel in panels_of(dashboard):
            for target in panel.get("targets", []):
                total += 1
                expr = substitute(target["expr"], variables)
                instant = target.get("instant", False) and not target.get("range", False)
                answer = prom_get(prom_port, "/api/v1/query", query=expr, time=now) if instant else \
                    prom_get(prom_port, "/api/v1/query_range", query=expr, start=now - 120, end=now, step=2)
                ok, what = has_data(answer, instant)
                where = "%s / %s / %s" % (dashboard["title"], panel["title"], target["refId"])
                print("%s %s (%s)" % ("ok  " if ok else "FAIL", where, what), flush=True)
                check(ok, "%s returns no data: %s" % (where, expr))
    return total


def pick_partner(prom_port):
    """The simulated partner with the most kinds of data (warnings, objectives, breaches)."""
    score = {}
    for metric in ("slawatch_warnings_total", "slawatch_objective_ratio", "slawatch_breaches_total",
                   "slawatch_obligations_open", "slawatch_events_received_total"):
        answer = prom_get(prom_port, "/api/v1/query", query="count by (partner) (%s)" % metric)
        for s in answer.get("data", {}).get("result", []):
            score[s["metric"]["partner"]] = score.get(s["metric"]["partner"], 0) + 1
    return max(sorted(score), key=lambda p: score[p]) if score else "none"


def run(args, tmp):
    port, prom_port, hook_port = free_port(), free_port(), free_port()
    hook = http.server.ThreadingHTTPServer(("127.0.0.1", hook_port), Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    extra = "alerting:\n  webhooks:\n    - {name: ops, url: 'http://127.0.0.1:%d/hook'}\n" % hook_port
    cfg = write_config(tmp, port, os.path.join(args.source, "rules", "*.yaml"), extra)
    env = secrets_env(args.source)
    d = Daemon(args.binary, cfg, os.path.join(tmp, "serve.log"), env)
    prom = None
    try:
        d.start(port)
        prom = start_prometheus(tmp, prom_port, port)
        up = wait_for(lambda: prom_get(prom_port, "/api/v1/query", query='up{job="slawatch"} == 1')
                      ["data"]["result"], 20, 0.5)
        check(bool(up), "prometheus scrapes slawatch (see /api/v1/targets)")
        sim = subprocess.run([args.binary, "simulate", "--url", "http://127.0.0.1:%d" % port,
                              "--partners", "8", "--rate", "100", "--duration", "%ds" % SIMULATE_SECONDS,
                              "--breach-rate", "0.2", "--seed", "7"],
                             capture_output=True, text=True, timeout=SIMULATE_SECONDS + 60, env=env)
        expect_equal(sim.returncode, 0, "simulate exit code (stderr: %s)" % sim.stderr[-500:])
        print("simulate: " + sim.stdout.strip(), flush=True)
        time.sleep(3)   # a few more scrapes after the last batch
        partner = pick_partner(prom_port)
        print("partner variable: %s" % partner, flush=True)
        total = check_dashboards(args.source, prom_port, {"partner": partner, "job": ".+",
                                                          "datasource": "slawatch-prometheus"})
        check(total >= 40, "the dashboards hold at least 40 queries, found %d" % total)
        print("%d queries checked" % total)
        expect_equal(d.stop(), 0, "clean shutdown")
    finally:
        d.stop()
        if prom:
            prom.terminate()
            prom.wait(timeout=20)
        hook.shutdown()
    return finish([d])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--source", required=True)
    args = ap.parse_args()
    if shutil.which("prometheus") is None:
        print("FAIL: prometheus not installed (scripts/deps.sh installs it)")
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        return run(args, tmp)


if __name__ == "__main__":
    sys.exit(main())
