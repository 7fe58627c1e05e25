//! The background writer thread: turns commands into events, encodes images, buffers and
//! flushes the event file, and reports failures through [`Shared`].

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{self, BufWriter};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::SyncSender;
use std::time::{Duration, Instant, SystemTime};

use super::queue::{Queue, Wait};
use super::shared::{Failure, Shared};
use crate::event_file::{EventWriter, wall_time};
use crate::proto::tensorboard::event::What;
use crate::proto::tensorboard::summary::Value;
use crate::proto::tensorboard::{Event, Layout, SessionLog, session_log};
use crate::summary::audio::{self, Audio};
use crate::summary::histogram::HistogramData;
use crate::summary::hparams::{self, HParamValue, SessionStatus};
use crate::summary::image::Image;
use crate::summary::{custom_scalars, text};

/// Work for the writer thread.
pub(crate) enum Command {
    /// Something to write.
    Write(Item),
    /// Flush (and fsync if configured), then answer.
    Flush { done: SyncSender<()> },
    /// Write the hparams end status if there are hparams, flush, and end the thread.
    Close { status: SessionStatus },
}

/// Data to write. Tags arrive validated. Kept small (see the test below): every call
/// moves one through the queue.
pub(crate) enum Item {
    Scalar {
        tag: Arc<str>,
        value: f32,
        step: i64,
        wall_time: f64,
    },
    /// The keys of one `add_scalars` main tag changed: rewrite the layout.
    Layout {
        main: Arc<str>,
        keys: Box<[Arc<str>]>,
    },
    /// The hand-made layout of `add_custom_scalars`: rewrite the layout.
    CustomLayout { layout: Box<Layout> },
    Histogram {
        tag: Arc<str>,
        data: Box<HistogramData>,
        step: i64,
        wall_time: f64,
    },
    /// Every value was NaN or infinite: only the count is written.
    NonFinite {
        tag: Arc<str>,
        count: u64,
        step: i64,
        wall_time: f64,
    },
    Image {
        tag: Arc<str>,
        image: Box<Image>,
        step: i64,
        wall_time: f64,
    },
    Text {
        tag: Arc<str>,
        text: Box<str>,
        step: i64,
        wall_time: f64,
    },
    Audio {
        tag: Arc<str>,
        audio: Box<Audio>,
        step: i64,
        wall_time: f64,
    },
    /// An encoded `GraphDef`.
    Graph { graph: Box<[u8]>, wall_time: f64 },
    /// A summary value built on the caller's thread (a PR curve, a video).
    Value {
        value: Box<Value>,
        step: i64,
        wall_time: f64,
    },
    HParams {
        hparams: Box<[(String, HParamValue)]>,
        metrics: Box<[Arc<str>]>,
        wall_time: f64,
    },
}

/// Settings of the writer thread.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub flush_interval: Duration,
    pub fsync_on_flush: bool,
    /// Where a resumed run starts: written as a `SessionLog` `START` at this step.
    pub purge_step: Option<i64>,
}

/// The writer thread's state.
pub(crate) struct Worker {
    events: EventWriter<BufWriter<File>>,
    path: PathBuf,
    shared: Arc<Shared>,
    settings: Settings,
    /// Data written since the last flush.
    dirty: bool,
    last_flush: Instant,
    /// Set after a final failure: commands are taken and dropped.
    stopped: bool,
    layouts: BTreeMap<Arc<str>, Box<[Arc<str>]>>,
    /// The latest hand-made layout, shown before the `add_scalars` charts.
    custom_layout: Option<Box<Layout>>,
    /// Histogram tags that have had non-finite values, with their `<tag>/non_finite` tag.
    non_finite_tags: HashMap<Arc<str>, Arc<str>>,
    has_hparams: bool,
}

/// Ends the queue when the writer thread ends, also by a panic, so that no caller waits
/// for it forever.
struct EndOnExit<'a>(&'a Queue<Command>);

impl Drop for EndOnExit<'_> {
    fn drop(&mut self) {
        self.0.end();
    }
}

/// Capacity of the buffer in front of the event file.
const BUFFER_BYTES: usize = 1 << 16;

impl Worker {
    /// Starts the event file: writes its `file_version` event and, for a resumed run,
    /// the `SessionLog`s that make TensorBoard drop the earlier attempt's later steps.
    pub(crate) fn new(
        file: File,
        path: PathBuf,
        shared: Arc<Shared>,
        settings: Settings,
    ) -> io::Result<Self> {
        let now = wall_time(SystemTime::now());
        let mut events = EventWriter::new(BufWriter::with_capacity(BUFFER_BYTES, file), now)?;
        if let Some(step) = settings.purge_step {
            let start = Event {
                wall_time: now,
                step,
                what: Some(What::SessionLog(SessionLog {
                    status: session_log::SessionStatus::Start.into(),
                    ..Default::default()
                })),
            };
            // TensorBoard's server takes a run's first START as the session's beginning
            // and purges only at later ones; one START, as torch writes, purges nothing
            // after a first attempt that wrote none. The second one always purges.
            events.write_event(&start)?;
            events.write_event(&start)?;
        }
        Ok(Self {
            events,
            path,
            shared,
            settings,
            dirty: true,
            last_flush: Instant::now(),
            stopped: false,
            layouts: BTreeMap::new(),
            custom_layout: None,
            non_finite_tags: HashMap::new(),
            has_hparams: false,
        })
    }

    /// Takes batches of commands from `queue` until a `Close` command.
    pub(crate) fn run(mut self, queue: &Queue<Command>) {
        let _end = EndOnExit(queue);
        let mut batch = Vec::new();
        loop {
            let wait = if !self.dirty || self.stopped {
                Wait::ForFirstItem
            } else {
                Wait::Until(self.last_flush.checked_add(self.settings.flush_interval))
            };
            queue.take(&mut batch, wait);
            for command in batch.drain(..) {
                match command {
                    Command::Write(item) => self.handle(item),
                    Command::Flush { done } => {
                        self.flush(self.settings.fsync_on_flush);
                        // The caller may have given up waiting; nothing to do then.
                        let _ = done.send(());
                    }
                    Command::Close { status } => {
                        self.close(status);
                        return;
                    }
                }
            }
            if self.dirty && self.last_flush.elapsed() >= self.settings.flush_interval {
                self.flush(false);
            }
        }
    }

    /// Writes the run's whole custom scalars layout: the hand-made one, then one category
    /// per `add_scalars` main tag.
    fn write_layout(&mut self) {
        let grouped =
            custom_scalars::layout(self.layouts.iter().map(|(main, keys)| (main, &keys[..])));
        let layout = custom_scalars::merged(self.custom_layout.as_deref(), grouped);
        // Step 0 always: TensorBoard keeps the latest value of a step, so each layout
        // replaces the one before.
        self.write(
            wall_time(SystemTime::now()),
            0,
            custom_scalars::value(&layout),
        );
    }

    fn handle(&mut self, item: Item) {
        match item {
            Item::Scalar {
                tag,
                value,
                step,
                wall_time,
            } => self.write_scalar(wall_time, step, &tag, value),
            Item::Layout { main, keys } => {
                self.layouts.insert(main, keys);
                self.write_layout();
            }
            Item::CustomLayout { layout } => {
                self.custom_layout = Some(layout);
                self.write_layout();
            }
            Item::Histogram {
                tag,
                data,
                step,
                wall_time,
            } => {
                let count = data.non_finite;
                self.write(
                    wall_time,
                    step,
                    crate::summary::histogram_value(&tag, &data),
                );
                self.non_finite(&tag, count, step, wall_time);
            }
            Item::NonFinite {
                tag,
                count,
                step,
                wall_time,
            } => self.non_finite(&tag, count, step, wall_time),
            Item::Image {
                tag,
                image,
                step,
                wall_time,
            } => match image.encode_png() {
                Ok(png) => self.write(
                    wall_time,
                    step,
                    crate::summary::image_value(&tag, &image, png),
                ),
                Err(cause) => self.shared.fail(Failure::EncodeImage {
                    tag,
                    step,
                    cause: Arc::new(cause),
                }),
            },
            Item::Text {
                tag,
                text: markdown,
                step,
                wall_time,
            } => self.write(wall_time, step, text::value(&tag, &markdown)),
            Item::Audio {
                tag,
                audio: clip,
                step,
                wall_time,
            } => self.write(wall_time, step, audio::value(&tag, clip.encode_wav())),
            Item::Value {
                value,
                step,
                wall_time,
            } => self.write(wall_time, step, *value),
            Item::Graph { graph, wall_time } => {
                let event = Event {
                    wall_time,
                    step: 0,
                    what: Some(What::GraphDef(graph.into())),
                };
                if !self.stopped
                    && let Err(cause) = self.events.write_event(&event)
                {
                    self.fail_io(cause);
                }
                self.dirty = true;
            }
            Item::HParams {
                hparams,
                metrics,
                wall_time,
            } => {
                self.has_hparams = true;
                self.write(
                    wall_time,
                    0,
                    hparams::experiment_value(&hparams, &metrics, wall_time),
                );
                self.write(
                    wall_time,
                    0,
                    hparams::session_start_value(&hparams, wall_time),
                );
            }
        }
    }

    /// Writes `<tag>/non_finite` when a histogram had non-finite values, and at every
    /// later histogram of that tag, so the chart shows when they started and stopped.
    fn non_finite(&mut self, tag: &Arc<str>, count: u64, step: i64, wall_time: f64) {
        if count == 0 && !self.non_finite_tags.contains_key(tag) {
            return;
        }
        let count_tag = self
            .non_finite_tags
            .entry(tag.clone())
            .or_insert_with(|| format!("{tag}/non_finite").into())
            .clone();
        self.write_scalar(wall_time, step, &count_tag, count as f32);
    }

    fn write(&mut self, wall_time: f64, step: i64, value: Value) {
        if self.stopped {
            return;
        }
        if let Err(cause) = self.events.write_summary(wall_time, step, value) {
            self.fail_io(cause);
        }
        self.dirty = true;
    }

    fn write_scalar(&mut self, wall_time: f64, step: i64, tag: &str, value: f32) {
        if self.stopped {
            return;
        }
        if let Err(cause) = self.events.write_scalar(wall_time, step, tag, value) {
            self.fail_io(cause);
        }
        self.dirty = true;
    }

    /// Empties the buffer into the file, optionally syncs it to the disk, and checks that
    /// the file is still where TensorBoard will look for it.
    fn flush(&mut self, fsync: bool) {
        self.last_flush = Instant::now();
        if self.stopped {
            return;
        }
        self.dirty = false;
        if let Err(cause) = self.events.flush() {
            return self.fail_io(cause);
        }
        if fsync && let Err(cause) = self.events.get_ref().get_ref().sync_data() {
            return self.fail_io(cause);
        }
        if !self.file_still_linked() {
            self.stopped = true;
            self.shared.fail(Failure::Removed {
                path: self.path.clone(),
            });
        }
    }

    fn close(&mut self, status: SessionStatus) {
        if self.has_hparams {
            let now = wall_time(SystemTime::now());
            self.write(now, 0, hparams::session_end_value(status, now));
        }
        self.flush(self.settings.fsync_on_flush);
    }

    fn fail_io(&mut self, cause: io::Error) {
        self.stopped = true;
        self.shared.fail(Failure::Write {
            path: self.path.clone(),
            cause: Arc::new(cause),
        });
    }

    /// Whether the path still names our file: removing the directory of an open file
    /// makes writes to it succeed but vanish.
    fn file_still_linked(&self) -> bool {
        let Ok(on_disk) = std::fs::metadata(&self.path) else {
            return false;
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            match self.events.get_ref().get_ref().metadata() {
                Ok(open) => open.dev() == on_disk.dev() && open.ino() == on_disk.ino(),
                Err(_) => false,
            }
        }
        #[cfg(not(unix))]
        {
            on_disk.is_file()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_is_small() {
        // Bulky payloads (histograms, images, strings, lists) sit behind a pointer, so
        // a command takes at most seven words: most calls log one scalar.
        assert!(size_of::<Command>() <= 56, "{} bytes", size_of::<Command>());
    }
}
