#!/usr/bin/env bash
# Slims the working tree that the device tool carries to the GPU machine, and restores it.
# The tool carries every tracked file (64 MiB at most, gpu-deps/ and the data included); the
# committed result files and report plots (results/, docs/results/: ~57 MiB by late 2026) leave no
# room for gpu-deps/ (35 MiB). `slim` drops them from git's index (not from the disk) and ignores
# them in .gitignore, so that they stay here; `restore` puts the index and .gitignore back as HEAD
# has them. Between the two, commit nothing.
#   bash scripts/device-tree.sh slim      # then the device call(s)
#   bash scripts/device-tree.sh restore
set -euo pipefail
cd "$(dirname "$0")/.."
SLIM_PATHS=(results docs/results)
MARK="# device-tree.sh slim: remove these lines with 'bash scripts/device-tree.sh restore'"
case "${1:-}" in
  slim)
    grep -qF "$MARK" .gitignore && { echo "device-tree: already slim" >&2; exit 0; }
    git diff --cached --quiet || { echo "device-tree: error: the index holds staged changes; commit them first" >&2; exit 1; }
    git diff --quiet -- .gitignore || { echo "device-tree: error: .gitignore has uncommitted changes; commit them first" >&2; exit 1; }
    git rm -r -q --cached "${SLIM_PATHS[@]}"
    { echo "$MARK"; for p in "${SLIM_PATHS[@]}"; do echo "/$p/"; done; } >>.gitignore
    kib=$(( $(git ls-files -z | du -cb --files0-from=- 2>/dev/null | tail -1 | cut -f1) / 1024 ))
    echo "device-tree: slim; the tracked tree that travels is now $(( (kib + 1023) / 1024 )) MiB"
    ;;
  restore)
    git checkout -- .gitignore
    git reset -q -- "${SLIM_PATHS[@]}"
    git diff --cached --quiet && echo "device-tree: restored (index and .gitignore as in HEAD)"
    ;;
  *) sed -n '2,9p' "$0"; exit 2 ;;
esac
