"""Writes event files with another writer and prints, as JSON, exactly what they hold.

Used by tests/reader_peers.rs to check the typed reader against files this crate did not
write. Every expected number is printed with Python's shortest round-trip repr, so the
Rust side compares bit for bit.

Usage: write_peers.py torch LOGDIR        torch.utils.tensorboard.SummaryWriter
       write_peers.py tensorboard LOGDIR  TensorBoard's own summary protos (the v2 `*_pb`
                                          functions and tensorboard.summary.Writer),
                                          written with its EventFileWriter
Output: {"runs": {run: {"scalars": {tag: [[step, wall_time, value]]},
                        "histograms": {tag: [[step, {min, max, num, sum, sum_squares,
                                                     limits, counts}]]},
                        "images": {tag: [[step, [[width, height, png_hex]]]]},
                        "text": {tag: [[step, [strings]]]},
                        "hparams": {name: value}, "hparam_types": {name: type},
                        "metrics": [tags], "status": "Success" | ...}}}
"""

import io
import json
import sys

import numpy as np
from PIL import Image

# The values every writer gets: f32 scalars that are not exact in decimal, an integer
# sized one, a negative one.
SCALARS = [0.1, 1.0 / 3.0, -2.5e-8, 12345.678, 7.0]
RNG = np.random.default_rng(20261130)


def f32(x):
    return float(np.float32(x))


def png_of(pixels):
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="PNG")
    return out.getvalue()


def torch_run(logdir):
    import torch
    from torch.utils.tensorboard import SummaryWriter
    from torch.utils.tensorboard import summary as ts

    run = {"scalars": {}, "histograms": {}, "images": {}, "text": {}}
    writer = SummaryWriter(logdir + "/torch")
    for step, value in enumerate(SCALARS):
        wall_time = 1_700_000_000.25 + step
        writer.add_scalar("loss", value, step, walltime=wall_time)
        run["scalars"].setdefault("loss", []).append([step, wall_time, f32(value)])

    values = RNG.normal(size=1000).astype(np.float32)
    writer.add_histogram("weights", values, 3, walltime=1_700_000_100.5)
    h = ts.histogram("weights", values, writer.default_bins).value[0].histo
    run["histograms"]["weights"] = [
        [
            3,
            {
                "min": h.min,
                "max": h.max,
                "num": h.num,
                "sum": h.sum,
                "sum_squares": h.sum_squares,
                "limits": list(h.bucket_limit),
                "counts": list(h.bucket),
            },
        ]
    ]

    pixels = RNG.integers(0, 256, size=(3, 5, 7), dtype=np.uint8)
    writer.add_image("input", torch.from_numpy(pixels), 4, walltime=1_700_000_200.0)
    image = ts.image("input", torch.from_numpy(pixels), dataformats="CHW").value[0].image
    run["images"]["input"] = [
        [4, [[image.width, image.height, image.encoded_image_string.hex()]]]
    ]

    text = "**bold** and `code`, ünïcode"
    writer.add_text("notes", text, 5, walltime=1_700_000_300.0)
    # torch appends "/text_summary" to the tag.
    run["text"][ts.text("notes", text).value[0].tag] = [[5, [text]]]

    hparams = {"lr": 0.001, "activation": "relu", "batch": 64, "dropout": True}
    # torch writes hparams into a run of their own below this one, named `hparams`.
    writer.add_hparams(hparams, {"hparam/accuracy": 0.5}, run_name="hparams")
    writer.close()
    hparam_run = {
        # The metric's value, stamped with the time of the call (null: not compared).
        "scalars": {"hparam/accuracy": [[0, None, 0.5]]},
        "histograms": {},
        "images": {},
        "text": {},
        # torch stores bools and integers as numbers; its hparams values hold no tensor,
        # only the plugin metadata.
        "hparams": {k: (float(v) if isinstance(v, (bool, int)) else v) for k, v in hparams.items()},
        "metrics": ["hparam/accuracy"],
        "status": "Success",
    }
    return {"torch": run, "torch/hparams": hparam_run}


def tensorboard_run(logdir):
    from tensorboard.compat.proto import event_pb2, summary_pb2, types_pb2
    from tensorboard.compat.proto.tensor_pb2 import TensorProto
    from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
    from tensorboard.plugins.histogram import summary_v2 as histogram_v2
    from tensorboard.plugins.hparams import api_pb2, plugin_data_pb2
    from tensorboard.plugins.hparams import metadata as hparams_metadata
    from tensorboard.plugins.hparams import summary_v2 as hparams_v2
    from tensorboard.plugins.image import metadata as image_metadata
    from tensorboard.plugins.scalar import metadata as scalar_metadata
    from tensorboard.plugins.scalar import summary_v2 as scalar_v2
    from tensorboard.plugins.text import summary_v2 as text_v2
    from tensorboard.summary import Writer
    from tensorboard.summary.writer.event_file_writer import EventFileWriter
    from tensorboard.util import tensor_util

    run = {"scalars": {}, "histograms": {}, "images": {}, "text": {}}

    # tensorboard.summary.Writer: its only kind, rank-0 DT_FLOAT scalars.
    writer = Writer(logdir + "/tb_writer")
    for step, value in enumerate(SCALARS):
        writer.add_scalar("loss", value, step, wall_time=1_700_000_000.5 + step)
    writer.close()
    writer_run = {
        "scalars": {
            "loss": [
                [step, 1_700_000_000.5 + step, f32(v)] for step, v in enumerate(SCALARS)
            ]
        },
        "histograms": {},
        "images": {},
        "text": {},
    }

    events = EventFileWriter(logdir + "/tb_protos")

    def emit(step, wall_time, summary):
        events.add_event(event_pb2.Event(step=step, wall_time=wall_time, summary=summary))

    scalars_meta = scalar_metadata.create_summary_metadata(display_name="", description="")

    def scalar_of(tag, tensor):
        return summary_pb2.Summary(
            value=[summary_pb2.Summary.Value(tag=tag, metadata=scalars_meta, tensor=tensor)]
        )

    for step, value in enumerate(SCALARS):
        emit(step, 1_700_000_000.0 + step, scalar_v2.scalar_pb("f32", value))
        run["scalars"].setdefault("f32", []).append([step, 1_700_000_000.0 + step, f32(value)])
        double = tensor_util.make_tensor_proto(np.float64(value))
        emit(step, 1_700_000_000.0 + step, scalar_of("f64", double))
        run["scalars"].setdefault("f64", []).append([step, 1_700_000_000.0 + step, value])
        half = tensor_util.make_tensor_proto(np.float16(value))
        emit(step, 1_700_000_000.0 + step, scalar_of("f16", half))
        run["scalars"].setdefault("f16", []).append(
            [step, 1_700_000_000.0 + step, float(np.float16(value))]
        )
        # bfloat16: the top 16 bits of the f32, truncated.
        bits = int(np.float32(value).view(np.uint32)) >> 16
        bf16 = TensorProto(
            dtype=types_pb2.DT_BFLOAT16, tensor_shape=TensorShapeProto(), half_val=[bits]
        )
        emit(step, 1_700_000_000.0 + step, scalar_of("bf16", bf16))
        bf16_value = float(np.array([bits << 16], dtype=np.uint32).view(np.float32)[0])
        run["scalars"].setdefault("bf16", []).append([step, 1_700_000_000.0 + step, bf16_value])
        integer = tensor_util.make_tensor_proto(np.int64(step * 1000 - 3))
        emit(step, 1_700_000_000.0 + step, scalar_of("i64", integer))
        run["scalars"].setdefault("i64", []).append(
            [step, 1_700_000_000.0 + step, float(step * 1000 - 3)]
        )

    def histogram_entry(rows):
        rows = np.asarray(rows, dtype=np.float64)
        if rows.shape[0] == 0:
            return {"min": 0.0, "max": 0.0, "num": 0.0, "limits": [], "counts": []}
        return {
            "min": float(rows[0, 0]),
            "max": float(rows[-1, 1]),
            "num": float(rows[:, 2].sum()),
            "limits": [float(x) for x in rows[:, 1]],
            "counts": [float(x) for x in rows[:, 2]],
        }

    values = RNG.normal(size=500)
    summary = histogram_v2.histogram_pb("weights", values, buckets=7)
    emit(2, 1_700_000_050.0, summary)
    rows = tensor_util.make_ndarray(summary.value[0].tensor)
    run["histograms"]["weights"] = [[2, histogram_entry(rows)]]
    # The same histogram as DT_FLOAT, which TensorBoard also reads.
    as_f32 = summary_pb2.Summary()
    as_f32.CopyFrom(summary)
    as_f32.value[0].tag = "weights_f32"
    as_f32.value[0].tensor.CopyFrom(tensor_util.make_tensor_proto(rows.astype(np.float32)))
    emit(2, 1_700_000_050.0, as_f32)
    run["histograms"]["weights_f32"] = [[2, histogram_entry(rows.astype(np.float32))]]

    pngs = [png_of(RNG.integers(0, 256, size=(4, 6, 3), dtype=np.uint8)) for _ in range(2)]
    image_tensor = tensor_util.make_tensor_proto([b"6", b"4"] + pngs, dtype=types_pb2.DT_STRING)
    image_meta = image_metadata.create_summary_metadata(display_name="", description="")
    emit(
        6,
        1_700_000_060.0,
        summary_pb2.Summary(
            value=[summary_pb2.Summary.Value(tag="samples", metadata=image_meta, tensor=image_tensor)]
        ),
    )
    run["images"]["samples"] = [[6, [[6, 4, p.hex()] for p in pngs]]]

    text = "# Title\n\nwith ünïcode"
    emit(7, 1_700_000_070.0, text_v2.text_pb("notes", text))
    run["text"]["notes"] = [[7, [text]]]

    hparams = {"lr": 0.25, "activation": "tanh", "dropout": False}
    emit(
        0,
        1_700_000_000.0,
        hparams_v2.hparams_config_pb(
            hparams=[
                hparams_v2.HParam("lr", hparams_v2.RealInterval(0.0, 1.0)),
                hparams_v2.HParam("activation", hparams_v2.Discrete(["relu", "tanh"])),
                hparams_v2.HParam("dropout", hparams_v2.Discrete([False, True])),
            ],
            metrics=[hparams_v2.Metric("f32")],
        ),
    )
    emit(0, 1_700_000_000.0, hparams_v2.hparams_pb(hparams, start_time_secs=1_700_000_000.0))
    end = plugin_data_pb2.HParamsPluginData(
        version=0,
        session_end_info=plugin_data_pb2.SessionEndInfo(
            status=api_pb2.STATUS_FAILURE, end_time_secs=1_700_000_100.0
        ),
    )
    emit(
        0,
        1_700_000_100.0,
        summary_pb2.Summary(
            value=[
                summary_pb2.Summary.Value(
                    tag=hparams_metadata.SESSION_END_INFO_TAG,
                    metadata=hparams_metadata.create_summary_metadata(end),
                    tensor=hparams_metadata.NULL_TENSOR,
                )
            ]
        ),
    )
    run["hparams"] = hparams
    run["hparam_types"] = {"lr": "Float64", "activation": "String", "dropout": "Bool"}
    run["metrics"] = ["f32"]
    run["status"] = "Failure"
    events.close()
    return {"tb_writer": writer_run, "tb_protos": run}


def main(kind, logdir):
    runs = torch_run(logdir) if kind == "torch" else tensorboard_run(logdir)
    json.dump({"runs": runs}, sys.stdout, allow_nan=False)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
