#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time with a persistent corpus.
# usage: run.sh SECONDS TARGET CORPUS_DIR [SEED_DIR]   (seeds are read, never written)
set -euo pipefail
seconds=$1 target=$2 corpus=$3 seeds=${4:-}
mkdir -p "$corpus"
# -fork would spread over cores; one job keeps the run predictable on a 2-core machine.
exec "$target" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$corpus/../" "$corpus" ${seeds:+"$seeds"}
