#!/usr/bin/env bash
# Regenerates docs/results/<experiment>/ (report.md + plots) for the open training loop's
# experiments (results/open_loop/): VPU with its own P/U batches and (TED)^n, with the paper's
# numbers beside ours where it has them. Each cell picks its learning rate by validation accuracy.
#   bash scripts/open_loop_report.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
pulab=${1:-build}/bin/pulab
for dir in results/open_loop/*/; do
  name=$(basename "$dir")
  compgen -G "$dir*/result.json" >/dev/null || continue
  "$pulab" report "$dir" --paper experiments/paper/paper_numbers.toml --out "docs/results/$name" \
    --title "$name" > /dev/null
  echo "docs/results/$name/report.md"
done
