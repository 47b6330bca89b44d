# Sourced by scripts/bench. bench_peer BENCH_ENGINE N OUT: installs the pinned
# json-rules-engine (bench/peer/package-lock.json) into $SLAWATCH_BENCH_NPM_CACHE with
# `npm ci` when it is not there yet, dumps bench_engine's first N events and runs
# bench/peer/peer.js on them: OUT/peer.json. Fails (the caller skips the row) without node,
# npm or the registry.
bench_peer() {
  local engine=$1 n=$2 out=$3
  local cache=${SLAWATCH_BENCH_NPM_CACHE:-$HOME/.cache/slawatch-bench-peer}
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "peer: node or npm is not installed (apt-get install nodejs npm)" >&2
    return 1
  fi
  mkdir -p "$cache"
  if ! cmp -s "$top/bench/peer/package-lock.json" "$cache/package-lock.json" ||
     [[ ! -d $cache/node_modules/json-rules-engine ]]; then
    cp "$top/bench/peer/package.json" "$top/bench/peer/package-lock.json" "$cache/"
    (cd "$cache" && timeout 120 npm ci --no-audit --no-fund --silent) >&2 || return 1
  fi
  "$engine" --dump-events "$out/peer-events.ndjson" "$n"
  NODE_PATH="$cache/node_modules" node "$top/bench/peer/peer.js" "$out/peer-events.ndjson" \
    >"$out/peer.json"
  rm -f "$out/peer-events.ndjson"
}
