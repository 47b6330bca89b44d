# Sourced by scripts/bench: runs `slawatch serve` for one ingest benchmark.
# Needs $top, $build and $out.

# ingest_run NAME DATADIR KEEP BENCH_INGEST_ARGS...: starts serve on a free loopback port with
# the shipped rules (rules/*.yaml) and synchronous=full, its database in DATADIR (emptied first
# unless KEEP is non-empty), waits for /-/ready, runs bench_ingest with the daemon's port and
# pid into $out/NAME.json (the daemon's log: $out/NAME.log), then stops the daemon (SIGTERM).
# TLS is on (a self-signed certificate made here) as partners' transport is in production:
# over plain HTTP the shipped transport-tls-1-2 rule breaches every event.
# SLAWATCH_BENCH_TLS=0 measures plain HTTP (every event then also writes a breach).
ingest_tls=${SLAWATCH_BENCH_TLS:-1}
ingest_run() {
  local name=$1 dir=$2 keep=$3
  shift 3
  [[ -n $keep ]] || rm -rf "$dir"
  mkdir -p "$dir"
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  local tls=""
  if ((ingest_tls)); then
    [[ -f $out/tls.key ]] || openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
      -keyout "$out/tls.key" -out "$out/tls.crt" -days 2 -subj /CN=127.0.0.1 2>/dev/null
    tls=", tls: { cert: \"$out/tls.crt\", key: \"$out/tls.key\" }"
  fi
  cat >"$dir/slawatch.yaml" <<EOF
server: { listen: "127.0.0.1:$port"$tls }
storage: { path: "$dir/slawatch.db", synchronous: full }
rules: ["$top/rules/*.yaml"]
EOF
  local started=$SECONDS
  "$build/slawatch" serve --config "$dir/slawatch.yaml" >"$out/$name.log" 2>&1 &
  local pid=$! rc=0
  if "$build/bench/bench_ingest" ready --port "$port" --timeout-s 900 --tls "$ingest_tls"; then
    echo "   ready after $((SECONDS - started)) s" >&2
    "$build/bench/bench_ingest" "$@" --port "$port" --pid "$pid" --tls "$ingest_tls" >"$out/$name.json" || rc=$?
  else
    rc=1
    tail -5 "$out/$name.log" >&2
  fi
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" || true
  return $rc
}

# growth_rows DB: how many events the database holds (0 when it does not exist yet).
growth_rows() {
  mkdir -p "$(dirname "$1")"
  python3 -c 'import os, sqlite3, sys
p = sys.argv[1]
print(sqlite3.connect(p).execute("SELECT coalesce(max(rowid), 0) FROM events").fetchone()[0] if os.path.exists(p) else 0)' "$1"
}
