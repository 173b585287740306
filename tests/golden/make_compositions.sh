#!/usr/bin/env bash
# Writes tests/golden/compositions/<method>.json: the result of each composition of
# experiments/methods/ on tests/golden/synthetic_base.toml, trained by the pulab binary given.
# Run it with a build of the commit BEFORE an engine change; tests/test_open_loop.cpp then checks
# that the build after the change gives the same per-epoch numbers, bit for bit.
#   bash tests/golden/make_compositions.sh /path/to/old/build/bin/pulab [method.toml ...]
# (The files committed here came from commit 2dd9c39, the engine before the open training loop.)
set -euo pipefail
pulab=$(readlink -f "$1"); shift
here=$(cd "$(dirname "$0")" && pwd)
methods=$(cd "$here/../../experiments/methods" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
files=("$@")
[ ${#files[@]} -gt 0 ] || files=(naive upu nnpu nnpusb vpu supervised gradpu gradpu_no_gp gradpu_no_upweighting)
for m in "${files[@]}"; do
  m=${m%.toml}
  extra=""
  # GradPU's beta_max = 30 ramp squeezed into 3 epochs calls everything positive: a small one.
  case "$m" in gradpu|gradpu_no_gp) extra=$'[weighting]\nbeta_max = 1.0\n' ;; esac
  printf 'base = ["%s", "%s"]\noutput_dir = "%s/out"\nrun_id = "%s"\n%s' \
    "$here/synthetic_base.toml" "$methods/$m.toml" "$work" "$m" "$extra" > "$work/$m.toml"
  "$pulab" run "$work/$m.toml" --quiet --threads 1 >/dev/null
  cp "$work/out/$m/result.json" "$here/compositions/$m.json"
  echo "golden: $m"
done
