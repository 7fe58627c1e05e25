"""Reads meshes back through the real TensorBoard Mesh plugin's HTTP routes.

With INPUTS_JSON, first writes the same meshes with torch's `SummaryWriter.add_mesh` into
the run `torch` of LOGDIR, so that both writers' meshes are served side by side. Then
serves the plugin's WSGI app with werkzeug's test client, as the dashboard calls it:
`/tags`, `/meshes?run=&tag=` (the metadata of each part), and `/data?run=&tag=&step=&
sample=&content_type=` (each part's values, as the bytes the browser gets, decoded as
float32 vertices, int32 faces and uint8 colors, as the dashboard decodes them).

Usage: read_mesh.py LOGDIR [INPUTS_JSON]
INPUTS_JSON: [{"tag", "step", "vertices": [[[x, y, z]]], "faces": ... or null,
               "colors": ... or null, "config": {...} or null}]
Output: {"tags": {run: {tag: {"samples": n}}},
         "runs": {run: {tag: {"meshes": [metadata...],
                              "data": {step: [{part: [values...]} per sample]}}}}}
"""

import json
import sys

import numpy as np

from tensorboard.plugins.mesh import mesh_plugin

import tb_load

DTYPES = {"VERTEX": "<f4", "FACE": "<i4", "COLOR": "u1"}
NAMES = {1: "VERTEX", 2: "FACE", 3: "COLOR"}


def write_torch_run(logdir, inputs_path):
    import torch
    from torch.utils.tensorboard import SummaryWriter

    with open(inputs_path) as f:
        meshes = json.load(f)
    writer = SummaryWriter(f"{logdir}/torch")
    for mesh in meshes:

        def tensor(name, dtype):
            values = mesh[name]
            return None if values is None else torch.tensor(values, dtype=dtype)

        writer.add_mesh(
            mesh["tag"],
            vertices=tensor("vertices", torch.float32),
            colors=tensor("colors", torch.uint8),
            faces=tensor("faces", torch.int32),
            config_dict=mesh["config"],
            global_step=mesh["step"],
        )
    writer.close()


def main(logdir, inputs_path=None):
    if inputs_path:
        write_torch_run(logdir, inputs_path)
    multiplexer, provider, _ = tb_load.load(logdir)
    plugin = mesh_plugin.MeshPlugin(tb_load.plugin_context(logdir, provider, multiplexer))
    get = tb_load.route_getter(plugin.get_plugin_apps())

    tags = json.loads(get("/tags").data)
    runs = {}
    for run, run_tags in tags.items():
        for tag, info in run_tags.items():
            meshes = json.loads(get("/meshes", run=run, tag=tag).data)
            data = {}
            for step in sorted({m["step"] for m in meshes}):
                parts = sorted(
                    {NAMES[m["content_type"]] for m in meshes if m["step"] == step}
                )
                data[str(step)] = [
                    {
                        part: np.frombuffer(
                            get(
                                "/data",
                                run=run,
                                tag=tag,
                                step=step,
                                sample=sample,
                                content_type=part,
                            ).data,
                            dtype=DTYPES[part],
                        ).tolist()
                        for part in parts
                    }
                    for sample in range(info["samples"])
                ]
            runs.setdefault(run, {})[tag] = {"meshes": meshes, "data": data}
    json.dump({"tags": tags, "runs": runs}, sys.stdout)


if __name__ == "__main__":
    main(*sys.argv[1:])
