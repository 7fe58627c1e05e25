#!/usr/bin/env bash
# Builds, on this machine, what scripts/gpu-check.sh runs on a lent GPU machine that has no
# Rust and no registry, only PyTorch 2.11 (see the README's CUDA section): the `train`
# binary, the logger's test binary (the CUDA histogram test) and the training benchmark,
# all built with tch 0.24 against PyPI torch==2.11.0's libtorch, plus gzipped MNIST.
#
#   ./scripts/gpu-bundle.sh            # -> target/gpu-bundle (carry it with the run)
#
# tch 0.26 (our normal build) needs libtorch 2.13; each tch minor tracks one libtorch
# minor, and 0.24 is the one made for 2.11. Our code builds unchanged with 0.24, so the
# build runs on a copy of the workspace whose manifest asks for tch/torch-sys 0.24, in its
# own target directory (seeded with the normal build's dependencies); the normal build and
# its Cargo.lock are untouched.
#
# Environment (all optional):
#   ACTIVATION_STUDY_CACHE   cache root (default: ${XDG_CACHE_HOME:-~/.cache}/activation-study)
#   TORCH211_VENV            the venv holding torch==2.11.0 (default: <cache>/torch211)
#   PYTHON                   the Python 3.11 that creates that venv (default: python3.11)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=paths.sh
source "$root/scripts/paths.sh"
torch_venv=${TORCH211_VENV:-$cache/torch211}
python=${PYTHON:-python3.11}
src="$root/target/gpu-bundle-src"
build="$root/target/gpu-bundle-build"
bundle="$root/target/gpu-bundle"

step() { printf 'gpu-bundle: %s\n' "$*"; }
fail() { printf 'gpu-bundle failed: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- libtorch 2.11 headers
site="$torch_venv/lib/python3.11/site-packages"
if [ ! -d "$site/torch-2.11.0.dist-info" ]; then
    step "installing torch==2.11.0 (no CUDA wheels: only its headers and libraries are needed to build) into $torch_venv"
    [ -x "$torch_venv/bin/python" ] || "$python" -m venv "$torch_venv" ||
        fail "could not create a venv at $torch_venv with $python; set PYTHON to a Python 3.11"
    "$torch_venv/bin/python" -m pip install --disable-pip-version-check --quiet --no-deps torch==2.11.0 ||
        fail "pip install torch==2.11.0 failed (see pip's message above)"
fi
libtorch="$site/torch"

# ---------------------------------------------------------------- the workspace, on tch 0.24
# Extracted with fresh mtimes (-m): cargo compares source and artifact times, and a copied
# file older than the last bundle build would otherwise count as unchanged.
step "copying the workspace to $src with tch and torch-sys 0.24"
rm -rf "$src"
mkdir -p "$src"
tar -C "$root" --exclude=./target --exclude=./.git --exclude=./.cargo --exclude=./logs \
    --exclude=__pycache__ -cf - . | tar -C "$src" -xmf -
sed -i -e 's/^tch = "0.26"$/tch = "0.24"/' -e 's/^torch-sys = "0.26"$/torch-sys = "0.24"/' "$src/Cargo.toml"
grep -q '^tch = "0.24"$' "$src/Cargo.toml" && grep -q '^torch-sys = "0.24"$' "$src/Cargo.toml" ||
    fail "the workspace Cargo.toml no longer pins tch/torch-sys as 'tch = \"0.26\"'; update this script"

# The normal build's compiled dependencies seed the bundle's target directory, so only
# tch, torch-sys and our crates compile.
if [ ! -d "$build/release" ] && [ -d "$root/target/release" ]; then
    mkdir -p "$build"
    cp -a "$root/target/release" "$build/release"
fi

step "building train, the logger's tests and the training benchmark (release)"
export LIBTORCH="$libtorch" LIBTORCH_CXX11_ABI=1 ACTIVATION_STUDY_TCH=0.24
unset LIBTORCH_USE_PYTORCH
cargo_in_copy() { (cd "$src" && CARGO_TARGET_DIR="$build" cargo "$@"); }
# The executable of the target of kind $1 (bin, lib, bench) that `cargo $2...` builds.
executable() {
    local kind=$1
    shift
    cargo_in_copy "$@" --message-format=json-render-diagnostics |
        python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and sys.argv[1] in m["target"]["kind"]:
        print(m["executable"])' "$kind"
}
train=$(executable bin build --release --bin train)
logger_tests=$(executable lib test --release --no-run -p tensorboard-logger --features tch --lib)
training_speed=$(executable bench bench --no-run -p activation-study --bench training_speed)
for exe in "$train" "$logger_tests" "$training_speed"; do
    [ -n "$exe" ] && [ -x "$exe" ] || fail "cargo did not report one of the executables (train: '$train', logger tests: '$logger_tests', training_speed: '$training_speed')"
done

# ---------------------------------------------------------------- the bundle
step "assembling $bundle"
rm -rf "$bundle"
mkdir -p "$bundle/bin" "$bundle/mnist"
# Without debug symbols the three binaries are a few MB each.
strip -o "$bundle/bin/train" "$train"
strip -o "$bundle/bin/logger-tests" "$logger_tests"
strip -o "$bundle/bin/training_speed" "$training_speed"
for name in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    [ -f "$data/mnist/$name" ] || fail "$data/mnist/$name is missing; run ./scripts/setup.sh"
    gzip -9 -n -c "$data/mnist/$name" >"$bundle/mnist/$name.gz"
done
(cd "$data/mnist" && sha256sum train-images-idx3-ubyte train-labels-idx1-ubyte \
    t10k-images-idx3-ubyte t10k-labels-idx1-ubyte) >"$bundle/mnist/SHA256SUMS"

# What torch.utils.tensorboard needs beyond torch, for the device's Python 3.12 should it
# lack them (gpu-check.sh uses them only then): wheels for that Python, without
# TensorBoard's web UI, which writing event files does not use.
pylib="$cache/gpu-pylib-cp312"
if [ ! -d "$pylib/tensorboard" ]; then
    step "fetching tensorboard==2.21.0, protobuf, absl-py and pillow wheels for Python 3.12 into $pylib"
    rm -rf "$pylib"
    "$torch_venv/bin/python" -m pip install --disable-pip-version-check --quiet --no-deps \
        --target "$pylib" --python-version 3.12 --only-binary=:all: \
        --platform manylinux2014_x86_64 --platform manylinux_2_28_x86_64 \
        tensorboard==2.21.0 protobuf absl-py pillow ||
        fail "pip could not fetch the Python 3.12 wheels for torch.utils.tensorboard"
    rm -rf "$pylib/bin" "$pylib/tensorboard/webfiles.zip" \
        "$pylib/tensorboard/plugins/projector/tf_projector_plugin/projector_binary.js"
fi
tar -C "$pylib" --exclude=__pycache__ -cJf "$bundle/pylib.tar.xz" .
{
    echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) from $(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD || echo '+changes')"
    echo "tch 0.24 / torch-sys 0.24 against torch==2.11.0 ($libtorch)"
    (cd "$bundle" && find . -type f ! -name MANIFEST -print0 | sort -z | xargs -0 sha256sum)
} >"$bundle/MANIFEST"
size=$(du -sb "$bundle" | cut -f1)
[ "$size" -lt $((56 * 1024 * 1024)) ] ||
    fail "the bundle is $size bytes; with the working tree it must stay under 64 MiB"
step "done: $bundle, $((size / 1024)) KiB; on the GPU machine run ./scripts/gpu-check.sh with target/gpu-bundle carried"
