//! Audio clips: 16-bit PCM WAV in the `audio` plugin's string tensor.
//!
//! A clip is stored as TensorBoard's own audio summary stores it: a `DT_STRING` tensor of
//! shape `[1, 2]` holding the encoded clip and an empty label, with `AudioPluginData`
//! naming WAV. Samples become 16-bit integers as torch's `add_audio` makes them: clipped
//! to `[-1, 1]`, times 32767, truncated toward zero.

use prost::Message;

use crate::proto::tensorboard::summary::{Value, value};
use crate::proto::tensorboard::{AudioPluginData, DataType, TensorProto, audio_plugin_data};

/// The plugin that plays audio.
pub const PLUGIN_NAME: &str = "audio";

/// A clip of float samples in `[-1, 1]`, frames one after the other with the channels of
/// each frame together (interleaved), at a sample rate in Hz.
///
/// ```
/// use tensorboard_logger::summary::audio::Audio;
///
/// // 10 ms of a 440 Hz tone at 16 kHz, mono.
/// let tone: Vec<f32> = (0..160).map(|i| (i as f32 * 440.0 / 16_000.0 * std::f32::consts::TAU).sin()).collect();
/// let clip = Audio::new(tone, 1, 16_000)?;
/// let wav = clip.encode_wav();
/// assert_eq!(&wav[..4], b"RIFF");
/// assert_eq!(wav.len(), 44 + 160 * 2);
/// # Ok::<(), tensorboard_logger::summary::audio::AudioError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Audio {
    samples: Vec<f32>,
    channels: u16,
    sample_rate: u32,
}

/// Why a clip could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AudioError {
    /// No channels, no frames, or a sample rate of 0.
    #[error(
        "audio of {samples} samples, {channels} channels at {sample_rate} Hz: give at least one \
         frame, one channel and a positive sample rate"
    )]
    Empty {
        /// Samples given.
        samples: usize,
        /// Channels given.
        channels: u16,
        /// Sample rate given.
        sample_rate: u32,
    },
    /// Samples that do not fill whole frames.
    #[error(
        "{samples} samples do not make whole frames of {channels} channels; give channels x \
         frames samples, the channels of each frame together"
    )]
    PartialFrame {
        /// Samples given.
        samples: usize,
        /// Channels given.
        channels: u16,
    },
    /// A NaN sample.
    #[error(
        "audio sample {index} is NaN; samples must be numbers (outside [-1, 1] they are clipped)"
    )]
    NaN {
        /// Index of the first NaN.
        index: usize,
    },
    /// A clip too long for a WAV file's 32-bit sizes.
    #[error("audio of {samples} samples is too long for a WAV file (at most 2^31 bytes)")]
    TooLong {
        /// Samples given.
        samples: usize,
    },
}

/// Bytes of a canonical PCM WAV header.
const HEADER_BYTES: usize = 44;

impl Audio {
    /// A clip of interleaved `samples` with `channels` channels at `sample_rate` Hz.
    /// Samples outside `[-1, 1]` are clipped when encoded, as torch clips them; NaN is an
    /// error.
    pub fn new(samples: Vec<f32>, channels: u16, sample_rate: u32) -> Result<Self, AudioError> {
        if samples.is_empty() || channels == 0 || sample_rate == 0 {
            return Err(AudioError::Empty {
                samples: samples.len(),
                channels,
                sample_rate,
            });
        }
        if !samples.len().is_multiple_of(usize::from(channels)) {
            return Err(AudioError::PartialFrame {
                samples: samples.len(),
                channels,
            });
        }
        if samples.len() > (i32::MAX as usize - HEADER_BYTES) / 2 {
            return Err(AudioError::TooLong {
                samples: samples.len(),
            });
        }
        if let Some(index) = samples.iter().position(|s| s.is_nan()) {
            return Err(AudioError::NaN { index });
        }
        Ok(Self {
            samples,
            channels,
            sample_rate,
        })
    }

    /// Channels per frame.
    pub fn channels(&self) -> u16 {
        self.channels
    }

    /// Frames per second.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// The 16-bit sample each float becomes, as torch computes it.
    pub fn pcm(sample: f32) -> i16 {
        (sample.clamp(-1.0, 1.0) * f32::from(i16::MAX)) as i16
    }

    /// The clip as a 16-bit PCM WAV file.
    pub fn encode_wav(&self) -> Vec<u8> {
        // Sizes fit in u32: `new` bounds the sample count.
        let data_bytes = (self.samples.len() * 2) as u32;
        let block_align = self.channels * 2;
        let mut wav = Vec::with_capacity(HEADER_BYTES + data_bytes as usize);
        wav.extend_from_slice(b"RIFF");
        wav.extend_from_slice(&(36 + data_bytes).to_le_bytes());
        wav.extend_from_slice(b"WAVEfmt ");
        wav.extend_from_slice(&16u32.to_le_bytes()); // fmt chunk size
        wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
        wav.extend_from_slice(&self.channels.to_le_bytes());
        wav.extend_from_slice(&self.sample_rate.to_le_bytes());
        // Bytes per second, for players that stream; only a rate beyond any real one
        // saturates it.
        let byte_rate = self.sample_rate.saturating_mul(u32::from(block_align));
        wav.extend_from_slice(&byte_rate.to_le_bytes());
        wav.extend_from_slice(&block_align.to_le_bytes());
        wav.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
        wav.extend_from_slice(b"data");
        wav.extend_from_slice(&data_bytes.to_le_bytes());
        for &sample in &self.samples {
            wav.extend_from_slice(&Self::pcm(sample).to_le_bytes());
        }
        wav
    }
}

/// The summary value of an encoded WAV clip.
pub fn value(tag: &str, wav: Vec<u8>) -> Value {
    let content = AudioPluginData {
        version: 0,
        encoding: audio_plugin_data::Encoding::Wav.into(),
        converted_to_tensor: false,
    }
    .encode_to_vec();
    Value {
        tag: tag.to_owned(),
        metadata: Some(super::plugin_metadata(PLUGIN_NAME, content)),
        value: Some(value::Value::Tensor(TensorProto {
            dtype: DataType::DtString.into(),
            tensor_shape: Some(super::tensor_shape([1, 2])),
            // The clip and its (empty) label.
            string_val: vec![wav, Vec::new()],
            ..Default::default()
        })),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_become_pcm_as_torch_makes_them() {
        assert_eq!(Audio::pcm(1.0), 32767);
        assert_eq!(Audio::pcm(-1.0), -32767);
        assert_eq!(Audio::pcm(2.0), 32767);
        assert_eq!(Audio::pcm(0.5), 16383); // 16383.5 truncated
        assert_eq!(Audio::pcm(-0.5), -16383);
    }

    #[test]
    fn the_header_describes_the_clip() {
        let wav = Audio::new(vec![0.0; 6], 2, 8000).unwrap().encode_wav();
        assert_eq!(wav.len(), 44 + 12);
        assert_eq!(&wav[8..16], b"WAVEfmt ");
        assert_eq!(u16::from_le_bytes([wav[22], wav[23]]), 2); // channels
        assert_eq!(u32::from_le_bytes(wav[24..28].try_into().unwrap()), 8000);
        assert_eq!(u32::from_le_bytes(wav[40..44].try_into().unwrap()), 12);
    }

    #[test]
    fn errors_name_the_problem() {
        let message = |r: Result<Audio, AudioError>| r.unwrap_err().to_string();
        assert_eq!(
            message(Audio::new(vec![0.0; 3], 2, 8000)),
            "3 samples do not make whole frames of 2 channels; give channels x frames samples, \
             the channels of each frame together"
        );
        assert_eq!(
            message(Audio::new(vec![0.0, f32::NAN], 1, 8000)),
            "audio sample 1 is NaN; samples must be numbers (outside [-1, 1] they are clipped)"
        );
        assert_eq!(
            message(Audio::new(vec![0.0], 1, 0)),
            "audio of 1 samples, 1 channels at 0 Hz: give at least one frame, one channel and a \
             positive sample rate"
        );
    }
}
