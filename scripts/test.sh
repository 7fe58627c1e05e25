#!/usr/bin/env bash
# The README's test command: setup if needed, then formatting, lints and every test.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

./scripts/setup.sh
cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings
# The logger's core must build and lint clean without libtorch (no `tch` feature).
cargo clippy -p tensorboard-logger --all-targets -- -D warnings
# The report needs no libtorch: nothing in its dependency tree may reach torch-sys, and
# built on its own its binary must load no libtorch library.
report_tree=$(cargo tree -p study-report -e normal,build --prefix none)
if grep -i torch <<<"$report_tree"; then
    echo "study-report depends on libtorch (above); it must build without it" >&2
    exit 1
fi
cargo build --release -p study-report
report_libs=$(ldd "${CARGO_TARGET_DIR:-target}/release/report")
if grep -i torch <<<"$report_libs"; then
    echo "target/release/report loads libtorch (above); it must not" >&2
    exit 1
fi
cargo test --workspace
