#!/usr/bin/env bash
# Reads the event files that scripts/gpu-check.sh brought back (train-logs.tar.gz in its
# $OUT) with the real TensorBoard of the setup's venv, through the same reader the tests use
# (crates/tensorboard-logger/tests/common/read_runs.py), and prints per run what TensorBoard
# sees: the tags of each kind, the last step, and the last test accuracy.
#
#   ./scripts/gpu-read-back.sh path/to/train-logs.tar.gz
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=paths.sh
source "$root/scripts/paths.sh"
[ $# -eq 1 ] && [ -f "$1" ] || { echo "usage: $0 path/to/train-logs.tar.gz" >&2; exit 2; }
[ -x "$venv/bin/python" ] || { echo "gpu-read-back: no venv at $venv; run ./scripts/setup.sh" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar -C "$tmp" -xzf "$1"
"$venv/bin/python" "$root/crates/tensorboard-logger/tests/common/read_runs.py" "$tmp/logs" >"$tmp/runs.json"
"$venv/bin/python" - "$tmp/runs.json" <<'PY'
import json, sys

runs = json.load(open(sys.argv[1]))["runs"]
if not runs:
    sys.exit("gpu-read-back: TensorBoard found no runs in the archive")
for name, run in sorted(runs.items()):
    scalars, histograms = run["scalars"], run["histograms"]
    last_step = max(point[0] for series in scalars.values() for point in series)
    accuracy = scalars.get("test/accuracy", [[None, None, None]])[-1][2]
    gradients = histograms.get("conv1/weights/gradients", [])
    print(f"{name}: {len(scalars)} scalar tags, {len(histograms)} histogram tags "
          f"({len(gradients)} steps of conv1/weights/gradients), {len(run['images'])} image tags, "
          f"{len(run['text'])} text tags; last step {last_step}, test/accuracy {accuracy}")
PY
