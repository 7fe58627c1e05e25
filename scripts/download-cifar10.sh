#!/usr/bin/env bash
# For users who are online: download the full CIFAR-10 binary release (162 MB), check its
# MD5 (the one published on the CIFAR-10 page) and unpack it where `train --dataset cifar10`
# looks by default: <data>/cifar10/cifar-10-batches-bin/.
#
# Environment: ACTIVATION_STUDY_DATA / ACTIVATION_STUDY_CACHE, as for scripts/setup.sh.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=versions.env
source "$root/scripts/versions.env"

# shellcheck source=paths.sh
source "$root/scripts/paths.sh"
target=$data/cifar10
archive="$target/cifar-10-binary.tar.gz"

fail() {
    printf 'download-cifar10 failed: %s\n' "$1" >&2
    exit 1
}

if [ -f "$target/cifar-10-batches-bin/test_batch.bin" ]; then
    echo "CIFAR-10 is already in $target/cifar-10-batches-bin"
    exit 0
fi

mkdir -p "$target"
if command -v curl >/dev/null; then
    fetch=(curl --fail --location --output "$archive" "$CIFAR10_BINARY_URL")
elif command -v wget >/dev/null; then
    fetch=(wget --output-document "$archive" "$CIFAR10_BINARY_URL")
else
    fail "neither curl nor wget is installed; install one, or download $CIFAR10_BINARY_URL by hand into $target."
fi
echo "downloading $CIFAR10_BINARY_URL"
"${fetch[@]}" || fail "could not download $CIFAR10_BINARY_URL (are you online?)."

sum=$(md5sum "$archive" | cut -d' ' -f1)
if [ "$sum" != "$CIFAR10_BINARY_MD5" ]; then
    rm -f "$archive"
    fail "checksum mismatch: $archive has MD5 $sum, expected $CIFAR10_BINARY_MD5; the file was removed. Run this script again."
fi
tar -xzf "$archive" -C "$target"
rm -f "$archive"
echo "CIFAR-10 ready in $target/cifar-10-batches-bin"
