#!/usr/bin/env bash
# Bounded fuzzing of the compiler's entry points: each target runs FUZZ_SECONDS (default 30).
# cargo-fuzz wants nightly flags; RUSTC_BOOTSTRAP lets the stable toolchain accept them,
# and without a sanitizer (-s none) libFuzzer still catches every panic.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${FUZZ_SECONDS:-30}"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1
for target in project_loader wxml wxss; do
  mkdir -p "fuzz/corpus/$target" "fuzz/seeds/$target"
  log="$(mktemp)"
  if ! cargo fuzz run -s none "$target" "fuzz/corpus/$target" "fuzz/seeds/$target" -- -max_total_time="$secs" -max_len=4096 -rss_limit_mb=2048 >"$log" 2>&1; then
    tail -n 60 "$log"
    echo "fuzz $target: FAILED (crash input under fuzz/artifacts/$target)"
    exit 1
  fi
  runs="$(grep -oE 'Done [0-9]+ runs' "$log" | tail -n1 | grep -oE '[0-9]+' || echo '?')"
  echo "fuzz $target: ok ($runs runs in ${secs}s)"
  rm -f "$log"
done
