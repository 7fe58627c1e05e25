#!/usr/bin/env bash
# The README's test command: setup if needed, then formatting, lints and every test.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

./scripts/setup.sh
cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings
# The logger's core must build and lint clean without libtorch (no `tch` feature).
cargo clippy -p tensorboard-logger --all-targets -- -D warnings
cargo test --workspace
