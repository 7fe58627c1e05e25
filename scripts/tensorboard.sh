#!/usr/bin/env bash
# Opens the TensorBoard that the setup installed on a log directory (default: logs/).
# Extra arguments go to tensorboard, e.g. `scripts/tensorboard.sh logs/mnist --port 6007`;
# when the first argument is a flag (`scripts/tensorboard.sh --port 6007`), logs/ is used.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=paths.sh
source "$root/scripts/paths.sh"

[ -x "$venv/bin/tensorboard" ] || {
    echo "TensorBoard is not installed in $venv; run ./scripts/setup.sh first." >&2
    exit 1
}
logdir=$root/logs
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
    logdir=$1
    shift
fi
exec "$venv/bin/tensorboard" --logdir "$logdir" "$@"
