"""Reads videos (animated GIF image summaries) back as TensorBoard serves them.

For each image tag of each run in LOGDIR: the blobs TensorBoard's data provider serves
for the Images dashboard (width, height, encoded image), the encoded image decoded frame
by frame with PIL.

Usage: read_video.py LOGDIR
Output: {run: {tag: [{"step", "width", "height", "format", "loop", "frames": [{"duration",
         "pixels_l": [...], "pixels_rgb": [...]}]}]}}
"""

import io
import json
import sys

import numpy as np
from PIL import Image, ImageSequence

import tb_load


def main(logdir):
    _, provider, ctx = tb_load.load(logdir)
    images = provider.read_blob_sequences(
        ctx, experiment_id="", plugin_name="images", downsample=1000
    )
    out = {}
    for run, tags in images.items():
        for tag, data in tags.items():
            entries = []
            for d in data:
                width, height, encoded = (
                    provider.read_blob(ctx, blob_key=ref.blob_key) for ref in d.values
                )
                gif = Image.open(io.BytesIO(encoded))
                frames = [
                    {
                        "duration": frame.info.get("duration"),
                        "pixels_l": np.asarray(frame.convert("L")).reshape(-1).tolist(),
                        "pixels_rgb": np.asarray(frame.convert("RGB")).reshape(-1).tolist(),
                    }
                    for frame in ImageSequence.Iterator(gif)
                ]
                entries.append(
                    {
                        "step": d.step,
                        "width": int(width),
                        "height": int(height),
                        "format": gif.format,
                        "loop": gif.info.get("loop"),
                        "frames": frames,
                    }
                )
            out.setdefault(run, {})[tag] = entries
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
