"""Reads a run's graph as TensorBoard's Graphs dashboard gets it.

Calls the Graphs plugin's `graph_impl` (what its `/graph` route serves: the GraphDef as
protobuf text) for each run in LOGDIR and parses that text back.

Usage: read_graph.py LOGDIR
Output: {run: {"mime": ..., "nodes": [{"name", "op", "dtype", "shape", "output_shapes"}]}}
"""

import json
import sys

from google.protobuf import text_format
from tensorboard.compat.proto import graph_pb2
from tensorboard.plugins.graph import graphs_plugin

import tb_load


def dims(shape):
    return [d.size for d in shape.dim]


def main(logdir):
    _, provider, ctx = tb_load.load(logdir)
    plugin = graphs_plugin.GraphsPlugin(tb_load.plugin_context(logdir, provider))
    out = {}
    for run in provider.list_runs(ctx, experiment_id=""):
        body, mime = plugin.graph_impl(ctx, run.run_name, None, False, experiment="")
        graph = text_format.Parse(body, graph_pb2.GraphDef())
        out[run.run_name] = {
            "mime": mime,
            "producer": graph.versions.producer,
            "nodes": [
                {
                    "name": node.name,
                    "op": node.op,
                    "dtype": node.attr["dtype"].type,
                    "shape": dims(node.attr["shape"].shape),
                    "output_shapes": [
                        dims(s) for s in node.attr["_output_shapes"].list.shape
                    ],
                }
                for node in graph.node
            ],
        }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
