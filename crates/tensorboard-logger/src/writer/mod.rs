//! The `SummaryWriter`: the user-facing API, sending work to a background writer thread.
//!
//! Every `add_*` call validates its input, stamps it with the current wall time and
//! queues it; a dedicated thread builds the events, encodes images as PNG, and writes
//! them through a buffer that it flushes at least every
//! [`flush_interval`](SummaryWriterBuilder::flush_interval), so TensorBoard shows data
//! while training runs. The queue is bounded: a caller that outpaces the disk waits
//! instead of growing memory, and nothing given is dropped.
//!
//! Errors of the writer thread (a full disk, a removed log directory) come back from the
//! next call, [`flush`](SummaryWriter::flush) or [`close`](SummaryWriter::close). After an
//! I/O error the writer stops writing and every later call returns that error.

mod builder;
mod queue;
mod shared;
mod tags;
#[cfg(feature = "tch")]
mod tensors;
mod thread;

use std::path::{Path, PathBuf};
use std::sync::mpsc::sync_channel;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::SystemTime;

use prost::Message;

pub use builder::{DEFAULT_FLUSH_INTERVAL, DEFAULT_QUEUE_CAPACITY, SummaryWriterBuilder};

use crate::error::Error;
use crate::event_file::wall_time;
use crate::proto::tensorboard::GraphDef;
use crate::summary::audio::Audio;
use crate::summary::embedding;
use crate::summary::histogram::{HistogramData, HistogramError, HistogramInput};
use crate::summary::hparams::{self, HParamValue, SessionStatus};
use crate::summary::image::Image;
use crate::summary::pr_curve;
use crate::summary::scalar::ScalarValue;
use crate::summary::video::{self, Video};
use queue::Queue;
use shared::Shared;
use tags::Tags;
use thread::{Command, Item};

/// Writes TensorBoard event files for one run from a background thread.
///
/// One writer is one run: TensorBoard shows each directory holding event files as a run
/// named by its path below `--logdir`. The writer is `Send + Sync`; share it between
/// threads by reference or in an `Arc`.
///
/// Each distinct tag is checked once and kept for the writer's lifetime, so logging a
/// known tag allocates nothing on the caller's thread; build tags once rather than
/// formatting a new one per step.
///
/// ```
/// use tensorboard_logger::{HParamValue, SummaryWriter};
///
/// let dir = tempfile::tempdir()?;
/// let writer = SummaryWriter::new(dir.path().join("mnist/relu"))?;
/// writer.add_hparams(&[("activation", HParamValue::from("relu")), ("lr", 1e-3.into())],
///                    &["test/accuracy"])?;
/// for step in 0..100 {
///     writer.add_scalar("train/loss", 1.0 / (step + 1) as f32, step)?;
/// }
/// writer.add_histogram("weights", &[0.1_f32, -0.3, 0.7][..], 99)?;
/// writer.add_scalar("test/accuracy", 0.97, 99)?;
/// writer.add_text("notes", "**converged**", 99)?;
/// writer.close()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct SummaryWriter {
    log_dir: PathBuf,
    path: PathBuf,
    queue: Arc<Queue<Command>>,
    /// `None` once the thread has been shut down.
    thread: Option<JoinHandle<()>>,
    shared: Arc<Shared>,
    tags: Tags,
    #[cfg(feature = "tch")]
    var_tags: tensors::VarTagCache,
    /// Every embedding written, for the projector config each one rewrites.
    embeddings: Mutex<Vec<embedding::ConfigEntry>>,
}

impl SummaryWriter {
    /// Starts a writer for the run directory `log_dir` (created if missing) with default
    /// options; see [`builder`](Self::builder) for the others.
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let writer = tensorboard_logger::SummaryWriter::new(dir.path())?;
    /// assert!(writer.event_file().starts_with(dir.path()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(log_dir: impl AsRef<Path>) -> Result<Self, Error> {
        Self::builder(log_dir.as_ref()).build()
    }

    /// A builder for a writer of the run directory `log_dir`.
    pub fn builder(log_dir: impl Into<PathBuf>) -> SummaryWriterBuilder {
        SummaryWriterBuilder::new(log_dir.into())
    }

    fn start(
        log_dir: PathBuf,
        path: PathBuf,
        queue: Arc<Queue<Command>>,
        thread: JoinHandle<()>,
        shared: Arc<Shared>,
    ) -> Self {
        Self {
            log_dir,
            path,
            queue,
            thread: Some(thread),
            shared,
            tags: Tags::default(),
            #[cfg(feature = "tch")]
            var_tags: tensors::VarTagCache::default(),
            embeddings: Mutex::default(),
        }
    }

    /// The run directory.
    pub fn log_dir(&self) -> &Path {
        &self.log_dir
    }

    /// The event file this writer writes.
    pub fn event_file(&self) -> &Path {
        &self.path
    }

    /// Logs with an explicit wall time instead of the current time, e.g. to import
    /// records kept elsewhere.
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let writer = tensorboard_logger::SummaryWriter::new(dir.path())?;
    /// let then = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    /// writer.with_wall_time(then).add_scalar("loss", 0.5, 7)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_wall_time(&self, time: SystemTime) -> WithWallTime<'_> {
        WithWallTime {
            writer: self,
            wall_time: wall_time(time),
        }
    }

    /// Waits until everything given so far is in the event file (and on the disk, with
    /// [`fsync_on_flush`](SummaryWriterBuilder::fsync_on_flush)), then reports any error
    /// the writer thread met.
    pub fn flush(&self) -> Result<(), Error> {
        let (done, wait) = sync_channel(1);
        self.queue
            .push(Command::Flush { done }, true)
            .map_err(|_| self.died())?;
        wait.recv().map_err(|_| self.died())?;
        self.shared.check()
    }

    /// Writes everything given so far, closes the event file and ends the writer thread;
    /// reports any error the writer thread met. With hparams, records the run as
    /// [`SessionStatus::Success`]; see [`close_with_status`](Self::close_with_status).
    pub fn close(self) -> Result<(), Error> {
        self.close_with_status(SessionStatus::Success)
    }

    /// [`close`](Self::close), recording `status` as how the run ended: the HParams
    /// dashboard shows it and can filter by it (e.g. [`SessionStatus::Failure`] for a
    /// run that diverged, [`SessionStatus::Unknown`] for one that was interrupted).
    /// Only a run with [`add_hparams`](Self::add_hparams) records a status.
    pub fn close_with_status(mut self, status: SessionStatus) -> Result<(), Error> {
        self.shutdown(status).map_err(|(error, _)| error)
    }

    /// The interned `tag`, once a pending error of the writer thread has been returned:
    /// how every write of a tagged value starts.
    fn checked_tag(&self, tag: &str) -> Result<Arc<str>, Error> {
        self.shared.check()?;
        self.tags.get(tag)
    }

    fn send(&self, item: Item) -> Result<(), Error> {
        self.queue
            .push(Command::Write(item), false)
            .map_err(|_| self.died())
    }

    fn died(&self) -> Error {
        // A thread that stopped after reporting an error has not died.
        match self.shared.check() {
            Err(error) => error,
            Ok(()) => Error::WriterThreadDied {
                path: self.path.clone(),
            },
        }
    }

    /// Ends the thread; on failure also says whether the error is news to the caller.
    fn shutdown(&mut self, status: SessionStatus) -> Result<(), (Error, bool)> {
        let Some(thread) = self.thread.take() else {
            return Ok(());
        };
        // A push fails only when the thread is gone; join tells why.
        let _ = self.queue.push(Command::Close { status }, true);
        if thread.join().is_err() {
            let path = self.path.clone();
            return Err((Error::WriterThreadDied { path }, true));
        }
        self.shared.collect().map_or(Ok(()), Err)
    }
}

impl Drop for SummaryWriter {
    /// Flushes and closes like [`close`](SummaryWriter::close), but records the run's end
    /// as [`SessionStatus::Failure`] when the thread is panicking and
    /// [`SessionStatus::Unknown`] otherwise, never as a success: a writer dropped without
    /// `close` belongs to a run that did not reach its end. An error no call has
    /// reported yet cannot be returned from `drop`; it goes to the [`log`] crate as a
    /// warning (shown only if the program installs a logger). Call `close` to handle it.
    fn drop(&mut self) {
        let status = if std::thread::panicking() {
            SessionStatus::Failure
        } else {
            SessionStatus::Unknown
        };
        if let Err((error, true)) = self.shutdown(status) {
            log::warn!("tensorboard-logger: {error}");
        }
    }
}

/// A view of a [`SummaryWriter`] that stamps events with a given wall time; made by
/// [`SummaryWriter::with_wall_time`]. Its methods are those of the writer.
#[derive(Debug, Clone, Copy)]
pub struct WithWallTime<'a> {
    writer: &'a SummaryWriter,
    wall_time: f64,
}

/// Seconds since the epoch now, as events record it.
fn now() -> f64 {
    wall_time(SystemTime::now())
}

impl SummaryWriter {
    /// Logs a scalar: an `f32`, an `f64` (stored as the nearest `f32`, as torch stores
    /// it), or with the `tch` feature a `&Tensor` holding one value on any device, read
    /// with one copy to the host (see [`ScalarValue`]). NaN and ±∞ are written as given
    /// (TensorBoard plots them), so a diverging loss stays visible.
    ///
    /// Tags follow the [tag policy](crate::tag); an invalid tag is an error naming a
    /// valid alternative.
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let writer = tensorboard_logger::SummaryWriter::new(dir.path())?;
    /// writer.add_scalar("loss", 0.5_f32, 0)?;
    /// writer.add_scalar("lr", 1e-3_f64, 0)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_scalar(&self, tag: &str, value: impl ScalarValue, step: i64) -> Result<(), Error> {
        self.scalar_at(now(), tag, value, step)
    }

    /// Logs several scalars as one chart: each `(key, value)` becomes the tag
    /// `<main_tag>/<key>` of this run, and the Custom Scalars dashboard gets a chart
    /// titled `main_tag` with one line per key (see
    /// [`summary::custom_scalars`](crate::summary::custom_scalars)). The Scalars
    /// dashboard shows the same series in the section `main_tag`.
    ///
    /// Unlike torch's `add_scalars`, no extra runs are made.
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let writer = tensorboard_logger::SummaryWriter::new(dir.path())?;
    /// writer.add_scalars("loss", &[("train", 0.5), ("test", 0.7)], 1)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_scalars(
        &self,
        main_tag: &str,
        values: &[(&str, f32)],
        step: i64,
    ) -> Result<(), Error> {
        self.scalars_at(now(), main_tag, values, step)
    }

    /// Sets the run's hand-made Custom Scalars layout, torch's `add_custom_scalars`: its
    /// categories of charts come first in the Custom Scalars dashboard, before the charts
    /// of [`add_scalars`](Self::add_scalars); a later call replaces it. TensorBoard merges
    /// the categories of the same title across runs.
    ///
    /// ```
    /// use tensorboard_logger::reader;
    /// use tensorboard_logger::summary::custom_scalars::CustomLayout;
    ///
    /// let dir = tempfile::tempdir()?;
    /// let writer = tensorboard_logger::SummaryWriter::new(dir.path())?;
    /// let layout = CustomLayout::new()
    ///     .multiline("gradients", "norm per layer", ["^grad_norm/conv1$", "^grad_norm/fc1$"]);
    /// writer.add_custom_scalars(&layout)?;
    /// writer.add_scalar("grad_norm/conv1", 0.01, 1)?;
    /// writer.add_scalar("grad_norm/fc1", 0.2, 1)?;
    /// writer.close()?;
    ///
    /// let run = reader::read_run(dir.path(), &mut Vec::new())?;
    /// assert_eq!(run.series["custom_scalars__config__"].plugin, "custom_scalars");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_custom_scalars(
        &self,
        layout: &crate::summary::custom_scalars::CustomLayout,
    ) -> Result<(), Error> {
        self.shared.check()?;
        self.send(Item::CustomLayout {
            layout: Box::new(layout.to_proto()),
        })
    }

    /// Logs a histogram of `values`: a slice or `Vec` of `f32`/`f64`, or with the `tch`
    /// feature a `tch::Tensor`, bucketed on the tensor's own device so that only the
    /// bucket counts are copied back.
    ///
    /// NaN and ±∞ are left out of the histogram and counted: from the first step that
    /// has any, the scalar `<tag>/non_finite` is written next to each histogram of the
    /// tag (0 once they are gone), so the chart shows when they appeared. When all values
    /// are non-finite only that count is written. An empty input is an error.
    pub fn add_histogram<H: HistogramInput + ?Sized>(
        &self,
        tag: &str,
        values: &H,
        step: i64,
    ) -> Result<(), Error> {
        self.histogram_at(now(), tag, values, step)
    }

    /// Logs a histogram computed elsewhere; it is checked for consistency first.
    pub fn add_histogram_raw(
        &self,
        tag: &str,
        data: HistogramData,
        step: i64,
    ) -> Result<(), Error> {
        self.histogram_raw_at(now(), tag, data, step)
    }

    /// Logs an image. It is encoded as PNG on the writer thread, not the caller's.
    ///
    /// ```
    /// use tensorboard_logger::{Image, Layout, SummaryWriter};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let writer = SummaryWriter::new(dir.path())?;
    /// let pixels: Vec<u8> = (0..2 * 3).map(|i| i * 40).collect();
    /// writer.add_image("input", Image::from_u8(pixels, 1, 2, 3, Layout::Chw)?, 0)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_image(&self, tag: &str, image: Image, step: i64) -> Result<(), Error> {
        self.image_at(now(), tag, image, step)
    }

    /// Logs a batch of images as one grid image (see [`Image::grid`]).
    pub fn add_images(&self, tag: &str, images: &[Image], step: i64) -> Result<(), Error> {
        self.images_at(now(), tag, images, step)
    }

    /// Logs markdown text, shown rendered by TensorBoard's Text dashboard.
    pub fn add_text(&self, tag: &str, markdown: &str, step: i64) -> Result<(), Error> {
        self.text_at(now(), tag, markdown, step)
    }

    /// Logs an audio clip for TensorBoard's Audio dashboard, which plays it. It is encoded
    /// as 16-bit WAV on the writer thread; mono or any number of channels (torch takes
    /// mono only).
    ///
    /// ```
    /// use tensorboard_logger::summary::audio::Audio;
    ///
    /// let dir = tempfile::tempdir()?;
    /// let writer = tensorboard_logger::SummaryWriter::new(dir.path())?;
    /// let stereo = vec![0.0, 0.0, 0.5, -0.5, 1.0, -1.0]; // three frames, left then right
    /// writer.add_audio("clip", Audio::new(stereo, 2, 16_000)?, 0)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_audio(&self, tag: &str, audio: Audio, step: i64) -> Result<(), Error> {
        self.audio_at(now(), tag, audio, step)
    }

    /// Writes an embedding for TensorBoard's Projector: `values` holds `points x dim`
    /// values row by row, `labels` (one per point) name the points. Written at once, on
    /// the caller's thread, as files in the run directory laid out as torch's
    /// `add_embedding` lays them out (see [`summary::embedding`](crate::summary::embedding));
    /// one per tag and step.
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let writer = tensorboard_logger::SummaryWriter::new(dir.path())?;
    /// let points = [0.0, 1.0, 1.0, 0.0, 0.5, 0.5];
    /// writer.add_embedding("words", &points, 2, Some(&["cat", "dog", "cow"]), 0)?;
    /// assert!(dir.path().join("projector_config.pbtxt").exists());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_embedding(
        &self,
        tag: &str,
        values: &[f32],
        dim: usize,
        labels: Option<&[&str]>,
        step: i64,
    ) -> Result<(), Error> {
        let tag = self.checked_tag(tag)?;
        let error = |cause| Error::Embedding {
            tag: tag.to_string(),
            cause,
        };
        let mut entries = self
            .embeddings
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let entry = embedding::write_files(&self.log_dir, &tag, values, dim, labels, step)
            .map_err(error)?;
        // The files of a tag and step were just replaced; so is its entry.
        entries.retain(|known| known.name() != entry.name());
        entries.push(entry);
        embedding::write_config(&self.log_dir, &entries).map_err(error)
    }

    /// Writes the run's graph for TensorBoard's Graphs dashboard (a run shows its last
    /// one). With the `tch` feature, `add_graph` makes one from a `VarStore`; see
    /// [`summary::graph`](crate::summary::graph) for a graph of any variables.
    ///
    /// ```
    /// use tensorboard_logger::proto::tensorboard::DataType;
    /// use tensorboard_logger::summary::graph::{Variable, variables_graph};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let writer = tensorboard_logger::SummaryWriter::new(dir.path())?;
    /// let bias = Variable { name: "fc1/bias", shape: &[128], dtype: DataType::DtFloat };
    /// writer.add_graph_def(&variables_graph([bias]))?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_graph_def(&self, graph: &GraphDef) -> Result<(), Error> {
        self.shared.check()?;
        self.send(Item::Graph {
            graph: graph.encode_to_vec().into(),
            wall_time: now(),
        })
    }

    /// Logs a video as an animated GIF in an image summary, as torch's `add_video` does;
    /// TensorBoard's Images dashboard plays it. Encoded on the caller's thread (see
    /// [`summary::video`](crate::summary::video) for what GIF keeps exactly).
    ///
    /// ```
    /// use tensorboard_logger::summary::image::{Image, Layout};
    /// use tensorboard_logger::summary::video::Video;
    ///
    /// let dir = tempfile::tempdir()?;
    /// let writer = tensorboard_logger::SummaryWriter::new(dir.path())?;
    /// let frames = (0..8u8)
    ///     .map(|t| Image::from_u8(vec![t * 30; 16 * 16], 1, 16, 16, Layout::Chw))
    ///     .collect::<Result<_, _>>()?;
    /// writer.add_video("fade", Video::new(frames, 8.0)?, 0)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_video(&self, tag: &str, video: Video, step: i64) -> Result<(), Error> {
        self.video_at(now(), tag, &video, step)
    }

    /// Logs a figure drawn with plotters as an image (with the `plotters` feature), as
    /// torch's `add_figure` logs a matplotlib figure: `draw` gets a `width` x `height`
    /// drawing area on a white background (see
    /// [`summary::figure::render`](crate::summary::figure::render)); the bitmap is encoded
    /// as PNG on the writer thread.
    #[cfg(feature = "plotters")]
    pub fn add_figure<E: std::fmt::Display>(
        &self,
        tag: &str,
        width: u32,
        height: u32,
        draw: impl FnOnce(&crate::summary::figure::Area<'_>) -> Result<(), E>,
        step: i64,
    ) -> Result<(), Error> {
        let image =
            crate::summary::figure::render(width, height, draw).map_err(|cause| Error::Figure {
                tag: tag.to_owned(),
                cause,
            })?;
        self.image_at(now(), tag, image, step)
    }

    /// Logs a precision–recall curve of binary `labels` against `predictions` (each a
    /// probability in `[0, 1]`) at `thresholds` evenly spaced thresholds
    /// ([`DEFAULT_THRESHOLDS`](crate::summary::pr_curve::DEFAULT_THRESHOLDS) =
    /// 127, as torch), for TensorBoard's PR Curves dashboard; the counts are those torch's
    /// `add_pr_curve` computes (see [`summary::pr_curve`](crate::summary::pr_curve)).
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let writer = tensorboard_logger::SummaryWriter::new(dir.path())?;
    /// writer.add_pr_curve("is_seven", &[true, false, true], &[0.9, 0.6, 0.2], 127, 0)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_pr_curve(
        &self,
        tag: &str,
        labels: &[bool],
        predictions: &[f32],
        thresholds: usize,
        step: i64,
    ) -> Result<(), Error> {
        self.pr_curve_at(now(), tag, labels, predictions, thresholds, step)
    }

    /// Records this run's hyperparameters for TensorBoard's HParams dashboard, which
    /// compares runs by them. `metrics` are scalar tags of this run (log them with
    /// [`add_scalar`](Self::add_scalar)); the dashboard shows each one's last value.
    ///
    /// The hparams go into this run, not into an extra one, with their types kept
    /// (bool, string, number), stamped as the session's start. Closing the writer records
    /// how the run ended ([`close`](Self::close), [`close_with_status`](Self::close_with_status);
    /// dropping it records a failure during a panic, else an unknown end). Call once per
    /// run; a second call replaces the first. See
    /// [`summary::hparams`](crate::summary::hparams).
    pub fn add_hparams<S: AsRef<str>, M: AsRef<str>>(
        &self,
        hparams: &[(S, HParamValue)],
        metrics: &[M],
    ) -> Result<(), Error> {
        self.hparams_at(now(), hparams, metrics)
    }

    // The shared bodies of the logging methods of `SummaryWriter` (stamped now) and
    // `WithWallTime` (stamped with its time). Each first returns a pending error of the
    // writer thread.

    fn scalar_at(
        &self,
        wall_time: f64,
        tag: &str,
        value: impl ScalarValue,
        step: i64,
    ) -> Result<(), Error> {
        let tag = self.checked_tag(tag)?;
        let value = value.to_f32().map_err(|cause| Error::Scalar {
            tag: tag.to_string(),
            cause,
        })?;
        self.send(Item::Scalar {
            tag,
            value,
            step,
            wall_time,
        })
    }

    fn scalars_at(
        &self,
        wall_time: f64,
        main_tag: &str,
        values: &[(&str, f32)],
        step: i64,
    ) -> Result<(), Error> {
        self.shared.check()?;
        if values.is_empty() {
            return Err(Error::NoScalars {
                main_tag: main_tag.to_owned(),
            });
        }
        let layout =
            self.tags
                .grouped(main_tag, values.iter().map(|(key, _)| *key), |i, tag| {
                    self.send(Item::Scalar {
                        tag: tag.clone(),
                        value: values[i].1,
                        step,
                        wall_time,
                    })
                })?;
        if let Some((main, keys)) = layout {
            self.send(Item::Layout { main, keys })?;
        }
        Ok(())
    }

    fn histogram_at<H: HistogramInput + ?Sized>(
        &self,
        wall_time: f64,
        tag: &str,
        values: &H,
        step: i64,
    ) -> Result<(), Error> {
        let tag = self.checked_tag(tag)?;
        match values.to_histogram() {
            Ok(data) => self.send(Item::Histogram {
                tag,
                data: Box::new(data),
                step,
                wall_time,
            }),
            Err(HistogramError::NoFiniteValues { count }) => self.send(Item::NonFinite {
                tag,
                count,
                step,
                wall_time,
            }),
            Err(cause) => Err(Error::Histogram {
                tag: Some(tag.to_string()),
                cause,
            }),
        }
    }

    fn histogram_raw_at(
        &self,
        wall_time: f64,
        tag: &str,
        data: HistogramData,
        step: i64,
    ) -> Result<(), Error> {
        let tag = self.checked_tag(tag)?;
        if let Err(cause) = data.validate() {
            return Err(Error::Histogram {
                tag: Some(tag.to_string()),
                cause,
            });
        }
        self.send(Item::Histogram {
            tag,
            data: Box::new(data),
            step,
            wall_time,
        })
    }

    fn image_at(&self, wall_time: f64, tag: &str, image: Image, step: i64) -> Result<(), Error> {
        let tag = self.checked_tag(tag)?;
        self.send(Item::Image {
            tag,
            image: Box::new(image),
            step,
            wall_time,
        })
    }

    fn images_at(
        &self,
        wall_time: f64,
        tag: &str,
        images: &[Image],
        step: i64,
    ) -> Result<(), Error> {
        let tag = self.checked_tag(tag)?;
        let grid = Image::grid(images).map_err(|cause| Error::Image {
            tag: Some(tag.to_string()),
            cause,
        })?;
        self.send(Item::Image {
            tag,
            image: Box::new(grid),
            step,
            wall_time,
        })
    }

    fn audio_at(&self, wall_time: f64, tag: &str, audio: Audio, step: i64) -> Result<(), Error> {
        let tag = self.checked_tag(tag)?;
        self.send(Item::Audio {
            tag,
            audio: Box::new(audio),
            step,
            wall_time,
        })
    }

    fn video_at(&self, wall_time: f64, tag: &str, video: &Video, step: i64) -> Result<(), Error> {
        let tag = self.checked_tag(tag)?;
        let gif = video.encode_gif().map_err(|cause| Error::Video {
            tag: tag.to_string(),
            cause,
        })?;
        self.send(Item::Value {
            value: Box::new(video::value(&tag, video, gif)),
            step,
            wall_time,
        })
    }

    fn pr_curve_at(
        &self,
        wall_time: f64,
        tag: &str,
        labels: &[bool],
        predictions: &[f32],
        thresholds: usize,
        step: i64,
    ) -> Result<(), Error> {
        let tag = self.checked_tag(tag)?;
        let value = pr_curve::value(&tag, labels, predictions, thresholds).map_err(|cause| {
            Error::PrCurve {
                tag: tag.to_string(),
                cause,
            }
        })?;
        self.send(Item::Value {
            value: Box::new(value),
            step,
            wall_time,
        })
    }

    fn text_at(&self, wall_time: f64, tag: &str, markdown: &str, step: i64) -> Result<(), Error> {
        let tag = self.checked_tag(tag)?;
        self.send(Item::Text {
            tag,
            text: markdown.into(),
            step,
            wall_time,
        })
    }

    fn hparams_at<S: AsRef<str>, M: AsRef<str>>(
        &self,
        wall_time: f64,
        hparams: &[(S, HParamValue)],
        metrics: &[M],
    ) -> Result<(), Error> {
        self.shared.check()?;
        hparams::validate(hparams)?;
        let metrics = metrics
            .iter()
            .map(|metric| self.tags.get(metric.as_ref()))
            .collect::<Result<_, _>>()?;
        let hparams = hparams
            .iter()
            .map(|(name, value)| (name.as_ref().to_owned(), value.clone()))
            .collect();
        self.send(Item::HParams {
            hparams,
            metrics,
            wall_time,
        })
    }
}

impl WithWallTime<'_> {
    /// [`SummaryWriter::add_scalar`] at this wall time.
    pub fn add_scalar(&self, tag: &str, value: impl ScalarValue, step: i64) -> Result<(), Error> {
        self.writer.scalar_at(self.wall_time, tag, value, step)
    }

    /// [`SummaryWriter::add_scalars`] at this wall time.
    pub fn add_scalars(
        &self,
        main_tag: &str,
        values: &[(&str, f32)],
        step: i64,
    ) -> Result<(), Error> {
        self.writer
            .scalars_at(self.wall_time, main_tag, values, step)
    }

    /// [`SummaryWriter::add_histogram`] at this wall time.
    pub fn add_histogram<H: HistogramInput + ?Sized>(
        &self,
        tag: &str,
        values: &H,
        step: i64,
    ) -> Result<(), Error> {
        self.writer.histogram_at(self.wall_time, tag, values, step)
    }

    /// [`SummaryWriter::add_histogram_raw`] at this wall time.
    pub fn add_histogram_raw(
        &self,
        tag: &str,
        data: HistogramData,
        step: i64,
    ) -> Result<(), Error> {
        self.writer
            .histogram_raw_at(self.wall_time, tag, data, step)
    }

    /// [`SummaryWriter::add_image`] at this wall time.
    pub fn add_image(&self, tag: &str, image: Image, step: i64) -> Result<(), Error> {
        self.writer.image_at(self.wall_time, tag, image, step)
    }

    /// [`SummaryWriter::add_images`] at this wall time.
    pub fn add_images(&self, tag: &str, images: &[Image], step: i64) -> Result<(), Error> {
        self.writer.images_at(self.wall_time, tag, images, step)
    }

    /// [`SummaryWriter::add_text`] at this wall time.
    pub fn add_text(&self, tag: &str, markdown: &str, step: i64) -> Result<(), Error> {
        self.writer.text_at(self.wall_time, tag, markdown, step)
    }

    /// [`SummaryWriter::add_video`] at this wall time.
    pub fn add_video(&self, tag: &str, video: Video, step: i64) -> Result<(), Error> {
        self.writer.video_at(self.wall_time, tag, &video, step)
    }

    /// [`SummaryWriter::add_audio`] at this wall time.
    pub fn add_audio(&self, tag: &str, audio: Audio, step: i64) -> Result<(), Error> {
        self.writer.audio_at(self.wall_time, tag, audio, step)
    }

    /// [`SummaryWriter::add_pr_curve`] at this wall time.
    pub fn add_pr_curve(
        &self,
        tag: &str,
        labels: &[bool],
        predictions: &[f32],
        thresholds: usize,
        step: i64,
    ) -> Result<(), Error> {
        self.writer
            .pr_curve_at(self.wall_time, tag, labels, predictions, thresholds, step)
    }

    /// [`SummaryWriter::add_hparams`] at this wall time.
    pub fn add_hparams<S: AsRef<str>, M: AsRef<str>>(
        &self,
        hparams: &[(S, HParamValue)],
        metrics: &[M],
    ) -> Result<(), Error> {
        self.writer.hparams_at(self.wall_time, hparams, metrics)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::OpenOptions;
    use std::time::Duration;

    #[test]
    fn writer_and_errors_can_cross_threads() {
        fn send_sync<T: Send + Sync + 'static>() {}
        send_sync::<SummaryWriter>();
        send_sync::<Error>();
    }

    // /dev/full accepts the open and fails every write with ENOSPC, like a full disk.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_full_disk_is_reported_by_flush_and_every_later_call() {
        let file = OpenOptions::new().write(true).open("/dev/full").unwrap();
        let settings = thread::Settings {
            flush_interval: Duration::from_secs(60),
            fsync_on_flush: false,
            purge_step: None,
        };
        let writer = builder::spawn("/dev".into(), file, "/dev/full".into(), settings, 8).unwrap();
        writer.add_scalar("loss", 1.0, 0).unwrap();
        let error = writer.flush().unwrap_err();
        assert!(matches!(error, Error::Write { .. }), "{error:?}");
        assert_eq!(
            error.to_string(),
            "writing event file /dev/full failed: No space left on device (os error 28); \
             events given after this point were not written"
        );
        let again = writer.add_scalar("loss", 2.0, 1).unwrap_err();
        assert!(matches!(again, Error::Write { .. }), "{again:?}");
        assert!(matches!(writer.close(), Err(Error::Write { .. })));
    }
}
