#!/usr/bin/env bash
# Runs, on a lent GPU machine, what scripts/gpu-bundle.sh built here: that machine has no Rust
# and no registry, only PyTorch 2.11 in /opt/torch/.venv. In under 8 minutes it runs
#   1. the logger's histogram tests, the CUDA one included (histograms computed on the GPU
#      against the CPU path, bucket for bucket);
#   2. a short `train --device cuda` (ReLU and sigmoid), whose event files go to $OUT as
#      train-logs.tar.gz, to be read back here with ./scripts/gpu-read-back.sh;
#   3. the training benchmark on the GPU: our tch step loop against the same net in the
#      device's PyTorch, with and without logging;
# and prints a short summary (also in $OUT/summary.txt). Each step has its own time limit
# (60 + 120 + 240 s), so the whole check ends within about 7.5 minutes even if one hangs.
#
#   ./scripts/gpu-check.sh          # on the GPU machine, with target/gpu-bundle carried
#                                   # (the device tool's carry: ["target/gpu-bundle"])
#   ./scripts/gpu-check.sh --cpu    # the same steps, shortened, on the CPU: proves a bundle
#                                   # before a GPU is lent (set GPU_PYTHON to a torch 2.11)
#
# Environment (all optional):
#   OUT          where results go (default: target/gpu-check-out); at most 8 files come back
#   GPU_PYTHON   the Python with torch 2.11 (default: /opt/torch/.venv/bin/python3)
#   GPU_BUNDLE   the bundle (default: target/gpu-bundle)
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bundle=${GPU_BUNDLE:-$root/target/gpu-bundle}
python=${GPU_PYTHON:-/opt/torch/.venv/bin/python3}
out=${OUT:-$root/target/gpu-check-out}
device=cuda
case "${1:-}" in
    --cpu) device=cpu ;;
    "") ;;
    *) echo "usage: $0 [--cpu]" >&2; exit 2 ;;
esac

say() { printf 'gpu-check: %s\n' "$*"; }
fail() { printf 'gpu-check failed: %s\n' "$*" >&2; exit 1; }
started=$(date +%s)
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ---------------------------------------------------------------- what is there
[ -f "$bundle/MANIFEST" ] || fail "no bundle at $bundle; build it with ./scripts/gpu-bundle.sh and carry target/gpu-bundle"
(cd "$bundle" && sed -n '3,$p' MANIFEST | sha256sum --quiet -c -) ||
    fail "the bundle at $bundle does not match its MANIFEST (incomplete copy?)"
[ -x "$python" ] || fail "no Python at $python; set GPU_PYTHON to the one with torch 2.11"
torch_lib=$("$python" -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))') ||
    fail "$python cannot import torch"
torch_version=$("$python" -c 'import torch; print(torch.__version__)')
case "$torch_version" in
    2.11.*) ;;
    *) fail "the bundle is built for libtorch 2.11 (tch 0.24), but $python has torch $torch_version" ;;
esac
# libtorch_cuda needs the CUDA runtime libraries of the nvidia-* wheels beside torch.
site=$(dirname "$(dirname "$torch_lib")")
nvidia_libs=$(find "$site/nvidia" -name 'lib*.so*' -printf '%h\n' 2>/dev/null | sort -u | paste -sd:)
export LD_LIBRARY_PATH="$torch_lib${nvidia_libs:+:$nvidia_libs}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

# torch.utils.tensorboard (the benchmark's peer) needs tensorboard, protobuf, absl and PIL; the
# bundle carries them for a Python without them.
if ! "$python" -c 'import tensorboard, google.protobuf, absl, PIL' 2>/dev/null; then
    mkdir -p "$tmp/pylib"
    tar -C "$tmp/pylib" -xJf "$bundle/pylib.tar.xz" || fail "cannot unpack $bundle/pylib.tar.xz"
    export PYTHONPATH="$tmp/pylib${PYTHONPATH:+:$PYTHONPATH}"
    pylib="bundled (tensorboard 2.21.0, protobuf, absl-py, pillow)"
else
    pylib="the device's own"
fi

data="$tmp/data"
mkdir -p "$data/mnist"
for gz in "$bundle"/mnist/*.gz; do
    gzip -dc "$gz" >"$data/mnist/$(basename "$gz" .gz)"
done
(cd "$data/mnist" && sha256sum --quiet -c "$bundle/mnist/SHA256SUMS") || fail "the unpacked MNIST does not match its checksums"

{
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "bundle: $(head -2 "$bundle/MANIFEST" | paste -sd' ')"
    echo "python: $python, torch $torch_version, Python packages for the peer: $pylib"
    echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
    echo "cpus: $(nproc)"
    command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
} >"$out/environment.txt" 2>&1
say "environment:"
sed 's/^/  /' "$out/environment.txt"

# ---------------------------------------------------------------- 1. histogram tests
if [ "$device" = cuda ]; then
    filter=(--include-ignored summary::histogram)
else
    filter=(summary::histogram)
fi
say "1/3 histogram tests (${filter[*]})"
timeout 60 "$bundle/bin/logger-tests" "${filter[@]}" >"$out/histogram-tests.txt" 2>&1
tests_status=$?
tail -3 "$out/histogram-tests.txt" | sed 's/^/  /'
cuda_test=$(grep -E '^test .*cuda_tensor_matches_slice' "$out/histogram-tests.txt" || echo "cuda_tensor_matches_slice: not run")

# ---------------------------------------------------------------- 2. train on the device
if [ "$device" = cuda ]; then
    train_args=(--device cuda --activations relu,sigmoid --steps 1000)
else
    train_args=(--device cpu --activations relu --steps 40 --threads 2)
fi
say "2/3 train ${train_args[*]}"
timeout 120 "$bundle/bin/train" "${train_args[@]}" --data-dir "$data" --logdir "$tmp/logs" \
    >"$out/train.txt" 2>&1
train_status=$?
tail -8 "$out/train.txt" | sed 's/^/  /'
if [ -d "$tmp/logs" ]; then
    tar -C "$tmp" -czf "$out/train-logs.tar.gz" logs
fi

# ---------------------------------------------------------------- 3. training benchmark
if [ "$device" = cuda ]; then
    bench_args=(--device cuda --rounds 2)
else
    bench_args=(--device cpu --rounds 1 --steps 50 --warmup 10 --test-images 200)
fi
say "3/3 training benchmark ${bench_args[*]} (ours against torch $torch_version)"
timeout 240 "$bundle/bin/training_speed" "${bench_args[@]}" --python "$python" --data-dir "$data" \
    --peer-script "$root/crates/activation-study/benches/pytorch/mnist_speed.py" \
    >"$out/training-speed.txt" 2>&1
bench_status=$?

# ---------------------------------------------------------------- summary
status() { case "$1" in 0) echo ok ;; 124) echo "timed out" ;; *) echo "failed ($1)" ;; esac; }
{
    echo "gpu-check on $device, $(($(date +%s) - started)) s"
    echo "1. histogram tests: $(status "$tests_status"); $(grep -E '^test result' "$out/histogram-tests.txt" | tail -1)"
    echo "   $cuda_test"
    echo "2. train ${train_args[*]}: $(status "$train_status"); event files in train-logs.tar.gz"
    grep -E '^\|' "$out/train.txt" | sed 's/^/   /'
    echo "3. training benchmark: $(status "$bench_status")"
    grep -E '^\|' "$out/training-speed.txt" | sed 's/^/   /'
} >"$out/summary.txt"
cat "$out/summary.txt"
[ "$tests_status" = 0 ] && [ "$train_status" = 0 ] && [ "$bench_status" = 0 ]
