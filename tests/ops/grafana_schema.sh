#!/usr/bin/env bash
# Validates grafana/dashboards/*.json against the dashboard JSON schema generated from npm
# @grafana/schema (its TypeScript Dashboard type) with ts-json-schema-generator, using ajv.
# The pinned tools (tests/ops/grafana/package.json + package-lock.json) are installed with
# `npm ci` into a cache keyed by the lock file, so reruns are offline and fast. An
# unreachable registry on the first run is a FAILURE, never a silent skip.
# Usage: grafana_schema.sh SOURCE_DIR [CACHE_DIR]   (default cache: ~/.cache/slawatch-npm)
set -euo pipefail
src=$1
here=$src/tests/ops/grafana
cache_root=${2:-${SLAWATCH_NPM_CACHE:-$HOME/.cache/slawatch-npm}}

fail() { echo "FAIL: $*" >&2; exit 1; }
command -v node >/dev/null || fail "node not found (scripts/deps.sh installs nodejs and npm)"
command -v npm >/dev/null || fail "npm not found (scripts/deps.sh installs nodejs and npm)"

key=$(cat "$here/package.json" "$here/package-lock.json" | sha256sum | cut -c1-16)
cache=$cache_root/grafana-schema-$key
if [[ ! -f $cache/.installed ]]; then
  echo "installing the pinned npm tools into $cache (npm ci)"
  rm -rf "$cache.tmp"
  mkdir -p "$cache.tmp"
  cp "$here/package.json" "$here/package-lock.json" "$cache.tmp/"
  (cd "$cache.tmp" && timeout 300 npm ci --no-audit --no-fund --loglevel=error \
      --cache "$cache_root/npm-cache") || fail "npm ci failed (is the npm registry reachable?)"
  rm -rf "$cache"
  mv "$cache.tmp" "$cache"
  touch "$cache/.installed"
fi

types=$cache/node_modules/@grafana/schema/dist/esm/raw/dashboard/x/dashboard_types.gen.d.ts
[[ -f $types ]] || fail "$types missing: the @grafana/schema layout changed"
schema=$cache/dashboard.schema.json
if [[ ! -s $schema ]]; then
  echo "generating the Dashboard JSON schema from @grafana/schema"
  (cd "$cache" && node_modules/.bin/ts-json-schema-generator \
      --path "$types" --type Dashboard --out "$schema.tmp") || fail "ts-json-schema-generator failed"
  mv "$schema.tmp" "$schema"
fi

shopt -s nullglob
dashboards=("$src"/grafana/dashboards/*.json)
((${#dashboards[@]} == 3)) || fail "expected 3 dashboards in grafana/dashboards, found ${#dashboards[@]}"
node "$here/validate.js" "$cache/node_modules" "$schema" "${dashboards[@]}"
