"""Writes reference.tfevents with TensorBoard's own Python writer.

tests/reference_bytes.rs checks that tensorboard-logger produces the same bytes for the
same events. Regenerate (only needed if the events below change) with the venv made by
scripts/setup.sh:

    $ACTIVATION_STUDY_PYTHON crates/tensorboard-logger/tests/data/make_reference.py

Every value is fixed (wall times, steps, tags), so the output is the same on every run.
"""

import pathlib

from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.plugins.custom_scalar import layout_pb2
from tensorboard.plugins.custom_scalar import metadata as custom_scalar_metadata
from tensorboard.plugins.hparams import summary_v2 as hparams_summary
from tensorboard.plugins.text import summary_v2 as text_summary
from tensorboard.summary.writer.record_writer import RecordWriter
from tensorboard.util import tensor_util

OUT = pathlib.Path(__file__).with_name("reference.tfevents")


def custom_scalars_layout():
    # What tensorboard.plugins.custom_scalar.summary.pb builds, without TensorFlow.
    layout = layout_pb2.Layout(
        category=[
            layout_pb2.Category(
                title="loss",
                chart=[
                    layout_pb2.Chart(
                        title="loss",
                        multiline=layout_pb2.MultilineChartContent(
                            tag=[r"^loss/train$", r"^loss/test$"]
                        ),
                    )
                ],
            )
        ]
    )
    summary = summary_pb2.Summary()
    summary.value.add(
        tag=custom_scalar_metadata.CONFIG_SUMMARY_TAG,
        metadata=custom_scalar_metadata.create_summary_metadata(),
        tensor=tensor_util.make_tensor_proto(
            layout.SerializeToString(), dtype="string"
        ),
    )
    return summary


def events():
    yield event_pb2.Event(wall_time=1700000000.5, file_version="brain.Event:2")
    yield event_pb2.Event(
        wall_time=1700000001.25,
        step=42,
        summary=summary_pb2.Summary(
            value=[summary_pb2.Summary.Value(tag="loss", simple_value=0.5)]
        ),
    )
    yield event_pb2.Event(
        wall_time=1700000002.0,
        step=7,
        summary=text_summary.text_pb("notes", "**hello** world"),
    )
    # One hparam per event: protobuf leaves the order of map entries open (this
    # writer emits them in reverse key order), so only single-entry maps have one
    # encoding. Together the three cover the string, bool and number kinds.
    for i, (name, value) in enumerate(
        [("activation", "relu"), ("dropout", True), ("lr", 0.001)]
    ):
        yield event_pb2.Event(
            wall_time=1700000003.0 + i,
            step=0,
            summary=hparams_summary.hparams_pb(
                {name: value}, trial_id="", start_time_secs=1700000003.0 + i
            ),
        )
    yield event_pb2.Event(
        wall_time=1700000006.0, step=0, summary=custom_scalars_layout()
    )


def main():
    with open(OUT, "wb") as f:
        writer = RecordWriter(f)
        for event in events():
            writer.write(event.SerializeToString(deterministic=True))
        writer.flush()
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
