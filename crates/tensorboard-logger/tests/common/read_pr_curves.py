"""Reads PR curves back with the real TensorBoard and compares them with torch's.

For each tag of the run in LOGDIR (one run, written by the test), reads the curve through
the PR Curves plugin's own handler (`pr_curves_impl`, what its HTTP route serves) over
TensorBoard's data provider, and computes the curve torch's `add_pr_curve` writes for
the same labels and predictions (`torch.utils.tensorboard.summary.compute_curve`).

A tag listed under "raw" holds a curve given by its rows (`add_pr_curve_raw`); it is
compared with the tensor of torch's `pr_curve_raw` summary for the same rows.

Usage: read_pr_curves.py LOGDIR INPUTS_JSON
INPUTS_JSON: {"labels": [bool...], "predictions": [float...], "thresholds": {tag: n},
              "raw": {tag: {"tp", "fp", "tn", "fn", "precision", "recall": [float...]}}}
Output: {tag: {"tensor_equals_torch": bool, "shape": [6, n], "entry": <plugin entry>}}
"""

import json
import sys

import numpy as np
from tensorboard.plugins.pr_curve import pr_curves_plugin
from tensorboard.util import tensor_util
from torch.utils.tensorboard.summary import compute_curve, pr_curve_raw

import tb_load


def main(logdir, inputs_path):
    with open(inputs_path) as f:
        inputs = json.load(f)
    labels = np.array(inputs.get("labels", []), dtype=bool)
    predictions = np.array(inputs.get("predictions", []), dtype=np.float32)
    _, provider, ctx = tb_load.load(logdir)
    plugin = pr_curves_plugin.PrCurvesPlugin(tb_load.plugin_context(logdir, provider))
    tensors = provider.read_tensors(
        ctx, experiment_id="", plugin_name="pr_curves", downsample=100
    )
    out = {}
    for run, tags in tensors.items():
        for tag, data in tags.items():
            n = inputs["thresholds"][tag]
            raw = inputs.get("raw", {}).get(tag)
            if raw is None:
                torch_curve = compute_curve(labels, predictions, num_thresholds=n)
            else:
                rows = [
                    np.array(raw[row], dtype=np.float32)
                    for row in ("tp", "fp", "tn", "fn", "precision", "recall")
                ]
                summary = pr_curve_raw(tag, *rows, num_thresholds=n)
                torch_curve = tensor_util.make_ndarray(summary.value[0].tensor)
            ours = data[0].numpy
            entry = plugin.pr_curves_impl(ctx, "", [run], tag)[run][0]
            out[tag] = {
                "tensor_equals_torch": bool(
                    ours.dtype == np.float32
                    and np.array_equal(ours, torch_curve.astype(np.float32))
                ),
                "shape": list(ours.shape),
                "entry": entry,
            }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
