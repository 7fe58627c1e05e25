#!/usr/bin/env bash
# Opens the TensorBoard that the setup installed on a log directory (default: logs/).
# Extra arguments go to tensorboard, e.g. `scripts/tensorboard.sh logs/mnist --port 6007`.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=paths.sh
source "$root/scripts/paths.sh"

[ -x "$venv/bin/tensorboard" ] || {
    echo "TensorBoard is not installed in $venv; run ./scripts/setup.sh first." >&2
    exit 1
}
logdir=${1:-$root/logs}
[ $# -eq 0 ] || shift
exec "$venv/bin/tensorboard" --logdir "$logdir" "$@"
