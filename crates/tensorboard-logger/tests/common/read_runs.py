"""Reads a log directory with the real TensorBoard and prints what it sees as JSON.

Used by the integration tests (see common/mod.rs). Everything goes through TensorBoard's
own loading path: the plugin event multiplexer, the data provider the web server
queries, and the hparams plugin's request handlers. Nothing is sampled away
(STORE_EVERYTHING size guidance, no downsampling).

Usage: read_runs.py LOGDIR
Output: {"runs": {run: {"scalars": ..., "histograms": ..., "images": ..., "text": ...,
         "layout": ...}}, "hparams": {"experiment": ..., "session_groups": ...}}
Non-finite floats are written as the strings "NaN", "Infinity", "-Infinity".
"""

import io
import json
import math
import sys

import numpy as np
from google.protobuf import json_format
from PIL import Image

from tensorboard.plugins.custom_scalar import layout_pb2
from tensorboard.plugins.hparams import api_pb2
from tensorboard.plugins.hparams import backend_context
from tensorboard.plugins.hparams import get_experiment
from tensorboard.plugins.hparams import list_session_groups

import tb_load

EVERYTHING = 1 << 62


def num(x):
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def main(logdir):
    multiplexer, provider, ctx = tb_load.load(logdir)
    runs = {}

    def run_entry(run):
        return runs.setdefault(
            run,
            {"scalars": {}, "histograms": {}, "images": {}, "text": {}, "layout": None},
        )

    scalars = provider.read_scalars(
        ctx, experiment_id="", plugin_name="scalars", downsample=EVERYTHING
    )
    for run, tags in scalars.items():
        for tag, data in tags.items():
            run_entry(run)["scalars"][tag] = [
                [d.step, d.wall_time, num(d.value)] for d in data
            ]

    histograms = provider.read_tensors(
        ctx, experiment_id="", plugin_name="histograms", downsample=EVERYTHING
    )
    for run, tags in histograms.items():
        for tag, data in tags.items():
            run_entry(run)["histograms"][tag] = [
                [d.step, [[num(v) for v in row] for row in d.numpy.tolist()]]
                for d in data
            ]

    texts = provider.read_tensors(
        ctx, experiment_id="", plugin_name="text", downsample=EVERYTHING
    )
    for run, tags in texts.items():
        for tag, data in tags.items():
            run_entry(run)["text"][tag] = [
                [d.step, d.numpy.item().decode("utf-8")] for d in data
            ]

    images = provider.read_blob_sequences(
        ctx, experiment_id="", plugin_name="images", downsample=EVERYTHING
    )
    for run, tags in images.items():
        for tag, data in tags.items():
            entries = []
            for d in data:
                width, height, png = (
                    provider.read_blob(ctx, blob_key=ref.blob_key) for ref in d.values
                )
                image = Image.open(io.BytesIO(png))
                entries.append(
                    {
                        "step": d.step,
                        "width": int(width),
                        "height": int(height),
                        "mode": image.mode,
                        "size": list(image.size),
                        "pixels": np.asarray(image).reshape(-1).tolist(),
                    }
                )
            run_entry(run)["images"][tag] = entries

    layouts = provider.read_tensors(
        ctx,
        experiment_id="",
        plugin_name="custom_scalars",
        downsample=1,
    )
    for run, tags in layouts.items():
        for tag, data in tags.items():
            layout = layout_pb2.Layout.FromString(data[-1].numpy.item())
            run_entry(run)["layout"] = json_format.MessageToDict(layout)

    tb_context = tb_load.plugin_context(logdir, provider, multiplexer)
    hparams_context = backend_context.Context(tb_context)
    experiment = get_experiment.Handler(
        ctx, hparams_context, "", api_pb2.GetExperimentRequest()
    ).run()
    groups = list_session_groups.Handler(
        ctx,
        hparams_context,
        "",
        api_pb2.ListSessionGroupsRequest(
            start_index=0,
            slice_size=1000,
            allowed_statuses=[
                api_pb2.STATUS_UNKNOWN,
                api_pb2.STATUS_SUCCESS,
                api_pb2.STATUS_FAILURE,
                api_pb2.STATUS_RUNNING,
            ],
        ),
    ).run()
    out = {
        "runs": runs,
        "hparams": {
            "experiment": json_format.MessageToDict(experiment),
            "session_groups": json_format.MessageToDict(groups),
        },
    }
    json.dump(out, sys.stdout, allow_nan=False)


if __name__ == "__main__":
    main(sys.argv[1])
