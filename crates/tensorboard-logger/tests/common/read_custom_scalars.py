"""Asks TensorBoard's Custom Scalars plugin what its dashboard shows, and prints it as JSON.

The plugin's own request handlers, over the data provider the web server queries: the
layout merged over every run (`layout_impl`, the dashboard's `/layout` route) and, for each
multiline chart's regular expression and each run, the scalar tags whose lines the chart
draws (`scalars_impl`, the `/scalars` route).

Usage: read_custom_scalars.py LOGDIR
Output: {"layout": {...}, "lines": {regex: {run: [tag, ...]}}}
"""

import json
import sys

from tensorboard.plugins.custom_scalar import custom_scalars_plugin
from tensorboard.plugins.scalar import scalars_plugin

import tb_load


def main(logdir):
    multiplexer, provider, ctx = tb_load.load(logdir)
    context = tb_load.plugin_context(logdir, provider, multiplexer)
    context.plugin_name_to_instance = {}
    scalars = scalars_plugin.ScalarsPlugin(context)
    context.plugin_name_to_instance[scalars.plugin_name] = scalars
    plugin = custom_scalars_plugin.CustomScalarsPlugin(context)
    context.plugin_name_to_instance[plugin.plugin_name] = plugin

    # The route's body: the merged layout as a JSON string, or {} when no run has one.
    layout = plugin.layout_impl(ctx, "")
    if isinstance(layout, str):
        layout = json.loads(layout)
    runs = sorted(multiplexer.Runs())
    lines = {}
    for category in layout.get("category", []):
        for chart in category.get("chart", []):
            for regex in chart.get("multiline", {}).get("tag", []):
                lines[regex] = {}
                for run in runs:
                    found = plugin.scalars_impl(ctx, run, regex, "")
                    if not found["regex_valid"]:
                        raise SystemExit(f"TensorBoard rejects the regex {regex!r}")
                    lines[regex][run] = sorted(found["tag_to_events"])
    json.dump({"layout": layout, "lines": lines}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
