#!/usr/bin/env bash
# The performance comparison, in one go: the logger's micro-benchmarks against tensorboard-rs
# and torch.utils.tensorboard, then MNIST training throughput with and without logging,
# ours (tch + tensorboard-logger) against PyTorch (+ torch.utils.tensorboard).
# Arguments go to the training benchmark, e.g. `./scripts/bench.sh --device cuda`;
# see `cargo bench -p activation-study --bench training_speed -- --help`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

./scripts/setup.sh
echo "== logger micro-benchmarks"
cargo bench -p tensorboard-logger --features tch --bench logger_speed
echo
echo "== training throughput, ours against PyTorch"
cargo bench -p activation-study --bench training_speed -- "$@"
