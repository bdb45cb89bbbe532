#!/usr/bin/env bash
# Bounded fuzzing of the compiler's entry points and the package readers: each target runs FUZZ_SECONDS (default 30).
# Works on the stable toolchain: without a sanitizer (-s none) cargo-fuzz passes only stable
# -C flags (sancov instrumentation), so no nightly and no RUSTC_BOOTSTRAP are needed, and
# libFuzzer still catches every panic. A single input slower than FUZZ_TIMEOUT seconds
# (default 30) fails the run too, so a hang cannot eat CI's time.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${FUZZ_SECONDS:-30}"
per_input="${FUZZ_TIMEOUT:-30}"
targets=(project_loader wxml wxss package_reader envelope_reader)
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

# Build every target first, so a build error is not reported as a crash.
cargo fuzz build -s none

for target in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$target" "fuzz/seeds/$target"
  log="$(mktemp)"
  # New inputs go to fuzz/corpus (ignored); fuzz/seeds (committed) holds seeds and regressions.
  # libFuzzer's own timeout handler can deadlock (it allocates inside a signal handler), so
  # an outer timeout bounds the whole run as well.
  if ! RUST_BACKTRACE=1 timeout --kill-after=10 "$((secs + per_input + 120))" \
    cargo fuzz run -s none "$target" "fuzz/corpus/$target" "fuzz/seeds/$target" -- \
    -max_total_time="$secs" -timeout="$per_input" -max_len=4096 -rss_limit_mb=2048 >"$log" 2>&1; then
    tail -n 80 "$log"
    artifact="$(grep -oE 'Test unit written to [^ ]+' "$log" | tail -n1 | cut -d' ' -f5 || true)"
    echo "fuzz $target: FAILED (input: ${artifact:-see fuzz/artifacts/$target}; reproduce: cargo fuzz run -s none $target <input>)"
    rm -f "$log"
    exit 1
  fi
  runs="$(grep -oE 'Done [0-9]+ runs' "$log" | tail -n1 | grep -oE '[0-9]+' || echo '?')"
  echo "fuzz $target: ok ($runs runs in ${secs}s)"
  rm -f "$log"
done
