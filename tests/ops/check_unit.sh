#!/usr/bin/env bash
# Checks systemd/slawatch.service with systemd-analyze (no systemd as PID 1 needed).
#   check_unit.sh verify   BINARY UNIT WORKDIR  - `systemd-analyze verify` must print nothing
#   check_unit.sh security BINARY UNIT WORKDIR  - exposure must be at most 2.0 (of 10)
# verify needs ExecStart's binary to exist: a copy of the unit points at the build binary.
set -euo pipefail
mode=$1 binary=$2 unit=$3 work=$4
mkdir -p "$work"
copy=$work/slawatch.service
sed "s|/usr/bin/slawatch|$binary|g" "$unit" > "$copy"
case $mode in
  verify)
    # verify exits 0 even with warnings: any output at all is a failure.
    out=$(systemd-analyze verify "$copy" 2>&1) || { echo "$out"; exit 1; }
    if [[ -n $out ]]; then
      echo "systemd-analyze verify printed:"; echo "$out"; exit 1
    fi
    echo "systemd-analyze verify: clean" ;;
  security)
    out=$(systemd-analyze security --offline=true --threshold=20 "$copy" 2>&1) || {
      echo "$out"; echo "exposure above 2.0"; exit 1; }
    line=$(grep 'Overall exposure level' <<<"$out")
    echo "$line"
    score=$(sed -E 's/.*: ([0-9.]+) .*/\1/' <<<"$line")
    awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' || { echo "exposure $score above 2.0"; exit 1; } ;;
  *) echo "usage: $0 verify|security BINARY UNIT WORKDIR" >&2; exit 2 ;;
esac
