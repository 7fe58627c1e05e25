"""Reads audio clips back as TensorBoard's Audio dashboard serves them.

For each audio tag of each run in LOGDIR: the entries the Audio plugin's `/audio` route
builds (`_audio_response_for_run`), and the clip its `/individualAudio` route would
send (the blob its query names, read through TensorBoard's data provider), decoded
with Python's `wave`.

Usage: read_audio.py LOGDIR
Output: {run: {tag: [{"step", "content_type", "channels", "sample_rate",
         "sample_width", "samples": [int...]}]}}
"""

import array
import json
import sys
import urllib.parse
import wave
import io

from tensorboard.plugins.audio import audio_plugin

import tb_load


def main(logdir):
    _, provider, ctx = tb_load.load(logdir)
    plugin = audio_plugin.AudioPlugin(tb_load.plugin_context(logdir, provider))
    out = {}
    listing = provider.list_blob_sequences(ctx, experiment_id="", plugin_name="audio")
    for run, tags in listing.items():
        for tag in tags:
            clips = []
            for entry in plugin._audio_response_for_run(ctx, "", run, tag, 0):
                query = urllib.parse.parse_qs(entry["query"])
                blob = provider.read_blob(ctx, blob_key=query["blob_key"][0])
                with wave.open(io.BytesIO(blob)) as clip:
                    frames = clip.readframes(clip.getnframes())
                    samples = array.array("h", frames)
                    clips.append(
                        {
                            "step": entry["step"],
                            "content_type": entry["contentType"],
                            "channels": clip.getnchannels(),
                            "sample_rate": clip.getframerate(),
                            "sample_width": clip.getsampwidth(),
                            "samples": samples.tolist(),
                        }
                    )
            out.setdefault(run, {})[tag] = clips
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
