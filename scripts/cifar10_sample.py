"""Convert the 20 CIFAR-10 test images shipped in the foolbox wheel to CIFAR-10's binary format.

foolbox ships `foolbox/data/cifar10_II_L.png` (II = index in the official test batch,
L = label) as lossless 8-bit RGB PNGs. Each becomes one 3,073-byte record: the label
byte, then the 1024 red, 1024 green and 1024 blue bytes, row-major, as in
`test_batch.bin` of the official binary release.

Usage: cifar10_sample.py WHEEL OUT_FILE EXPECTED_SHA256
Standard library only, so it runs before any venv exists.
"""

import hashlib
import re
import struct
import sys
import zipfile
import zlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
NAME = re.compile(r"^foolbox/data/cifar10_(\d\d)_(\d)\.png$")


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def decode_rgb8(name, data):
    """Decode a non-interlaced 8-bit RGB PNG into (width, height, bytes RGBRGB...)."""
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError(f"{name}: not a PNG file")
    pos, idat, header = len(PNG_SIGNATURE), [], None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    if header is None:
        raise ValueError(f"{name}: no IHDR chunk")
    width, height, depth, color, _, _, interlace = header
    if (depth, color, interlace) != (8, 2, 0):
        raise ValueError(
            f"{name}: expected 8-bit RGB non-interlaced, got depth {depth}, colour type {color}, interlace {interlace}"
        )
    raw = zlib.decompress(b"".join(idat))
    stride, bpp = width * 3, 3
    out, prev = bytearray(), bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for x in range(stride):
            left = line[x - bpp] if x >= bpp else 0
            up = prev[x]
            up_left = prev[x - bpp] if x >= bpp else 0
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + ((left + up) >> 1)) & 0xFF
            elif kind == 4:
                line[x] = (line[x] + paeth(left, up, up_left)) & 0xFF
            elif kind != 0:
                raise ValueError(f"{name}: unknown PNG filter {kind} on row {y}")
        out += line
        prev = line
    return width, height, bytes(out)


def main(wheel, out_file, expected):
    records = []
    with zipfile.ZipFile(wheel) as archive:
        for name in sorted(archive.namelist()):
            match = NAME.match(name)
            if not match:
                continue
            width, height, rgb = decode_rgb8(name, archive.read(name))
            if (width, height) != (32, 32):
                raise ValueError(f"{name}: expected 32x32, got {width}x{height}")
            planes = rgb[0::3] + rgb[1::3] + rgb[2::3]
            records.append(bytes([int(match.group(2))]) + planes)
    if len(records) != 20:
        raise ValueError(f"{wheel}: expected 20 CIFAR-10 images, found {len(records)}")
    blob = b"".join(records)
    digest = hashlib.sha256(blob).hexdigest()
    if digest != expected:
        raise ValueError(
            f"converted CIFAR-10 sample has sha256 {digest}, expected {expected}; nothing was written"
        )
    with open(out_file, "wb") as f:
        f.write(blob)
    print(f"wrote {len(records)} CIFAR-10 records ({len(blob)} bytes) to {out_file}")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    try:
        main(*sys.argv[1:])
    except (OSError, ValueError, zipfile.BadZipFile) as err:
        sys.exit(f"error: {err}")
