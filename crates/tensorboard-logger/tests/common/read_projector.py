"""Reads embeddings back through the real TensorBoard Projector plugin's HTTP routes.

Serves the plugin's WSGI apps with werkzeug's test client, as the browser would call
them: `/runs`, `/info?run=` (the projector config), then `/tensor` (float32 bytes) and
`/metadata` (TSV) of each embedding, and `/sprite_image` (decoded with Pillow) of each
one with a sprite.

Usage: read_projector.py LOGDIR
Output: {"runs": [...], run: {tensor_name: {"shape": [n, d], "values": [...],
         "metadata": "..." or null, "sprite": null or {"single_image_dim": [w, h],
         "mime": "...", "mode": "L" | "RGB" | ..., "size": [w, h], "pixels": [...]}}}}
"""

import io
import json
import sys

import numpy as np
from PIL import Image

from tensorboard.plugins.projector import projector_plugin

import tb_load


def main(logdir):
    multiplexer, provider, _ = tb_load.load(logdir)
    plugin = projector_plugin.ProjectorPlugin(
        tb_load.plugin_context(logdir, provider, multiplexer)
    )
    get = tb_load.route_getter(plugin.get_plugin_apps())

    runs = json.loads(get("/runs").data)
    out = {"runs": runs}
    for run in runs:
        config = json.loads(get("/info", run=run).data)
        embeddings = {}
        for embedding in config["embeddings"]:
            name = embedding["tensorName"]
            shape = embedding["tensorShape"]
            values = np.frombuffer(get("/tensor", run=run, name=name).data, dtype="<f4")
            metadata = None
            if embedding.get("metadataPath"):
                metadata = get("/metadata", run=run, name=name).data.decode("utf-8")
            sprite = None
            if embedding.get("sprite"):
                response = get("/sprite_image", run=run, name=name)
                image = Image.open(io.BytesIO(response.data))
                sprite = {
                    "single_image_dim": embedding["sprite"]["singleImageDim"],
                    "mime": response.mimetype,
                    "mode": image.mode,
                    "size": list(image.size),
                    "pixels": np.asarray(image).reshape(-1).tolist(),
                }
            embeddings[name] = {
                "shape": shape,
                "values": [float(v) for v in values],
                "metadata": metadata,
                "sprite": sprite,
            }
        out[run] = embeddings
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
