#!/usr/bin/env bash
# Regenerates docs/results/<experiment>/ (report.md + plots) from the committed result files of
# every paper experiment in results/paper/ and every open-training-loop experiment in
# results/open_loop/ (VPU with its own batches, (TED)^n), with the paper's numbers beside ours.
#   bash scripts/paper_report.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
pulab=${1:-build}/bin/pulab
for dir in results/paper/*/ results/open_loop/*/; do
  name=$(basename "$dir")
  compgen -G "$dir*/result.json" >/dev/null || continue
  extra=()
  case "$name" in
    table3_*) extra=(--rows weighting.beta_max) ;;
    fig4_*) extra=(--rows regularizer.gradient_penalty.alpha --plot alpha) ;;
    fig5_*) extra=(--plot np) ;;
  esac
  "$pulab" report "$dir" --paper experiments/paper/paper_numbers.toml --out "docs/results/$name" \
    --title "$name" "${extra[@]}" > /dev/null
  echo "docs/results/$name/report.md"
done
