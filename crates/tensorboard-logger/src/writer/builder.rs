//! Options of a [`SummaryWriter`] and the steps that start one.

use std::fs::File;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::SummaryWriter;
use super::queue::Queue;
use super::shared::Shared;
use super::thread::{Settings, Worker};
use crate::error::Error;
use crate::event_file;

/// Default [`SummaryWriterBuilder::flush_interval`].
pub const DEFAULT_FLUSH_INTERVAL: Duration = Duration::from_secs(2);
/// Default [`SummaryWriterBuilder::queue_capacity`].
pub const DEFAULT_QUEUE_CAPACITY: usize = 1024;

/// Torch's default run directory for a writer started now, `comment` appended as given:
/// `runs/<Mon><DD>_<HH>-<MM>-<SS>_<host><comment>`, e.g.
/// `runs/Nov30_15-52-00_gpu-node-3_lr=0.1`. The time is UTC (torch uses local time), so
/// the runs of machines in different time zones sort in the order they started.
///
/// ```
/// let dir = tensorboard_logger::writer::default_run_dir("_relu");
/// assert!(dir.starts_with("runs"));
/// assert!(dir.to_string_lossy().ends_with("_relu"));
/// ```
pub fn default_run_dir(comment: &str) -> PathBuf {
    let host = crate::event_file::sanitize_host(&gethostname::gethostname().to_string_lossy());
    PathBuf::from("runs").join(run_dir_name(SystemTime::now(), &host, comment))
}

/// `<Mon><DD>_<HH>-<MM>-<SS>_<host><comment>` for `time` in UTC, as torch's
/// `strftime("%b%d_%H-%M-%S")` writes the time.
fn run_dir_name(time: SystemTime, host: &str, comment: &str) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    // A clock before 1970 is wrong anyway; it names the run after the epoch.
    let secs = time
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let (days, of_day) = (secs / 86_400, secs % 86_400);
    let (month, day) = month_and_day(days);
    format!(
        "{}{day:02}_{:02}-{:02}-{:02}_{host}{comment}",
        MONTHS[month - 1],
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60
    )
}

/// The month (1 to 12) and day of the month of the day `days` after 1970-01-01, in the
/// proleptic Gregorian calendar (Howard Hinnant's `civil_from_days`).
fn month_and_day(days: u64) -> (usize, u64) {
    // Days since 0000-03-01, so that a year ends with February and its leap day.
    let since_march = days + 719_468;
    let day_of_era = since_march % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    (month as usize, day)
}

impl SummaryWriter {
    /// A builder for a writer of a new run in torch's default directory,
    /// [`default_run_dir(comment)`](default_run_dir), as torch's `SummaryWriter()` and
    /// `SummaryWriter(comment=...)` pick it: `runs/<time>_<host><comment>` below the
    /// working directory.
    ///
    /// ```no_run
    /// // Writes to e.g. runs/Nov30_15-52-00_gpu-node-3_lr=0.1
    /// let writer = tensorboard_logger::SummaryWriter::builder_in_runs("_lr=0.1").build()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn builder_in_runs(comment: &str) -> SummaryWriterBuilder {
        Self::builder(default_run_dir(comment))
    }
}

/// Configures and starts a [`SummaryWriter`].
///
/// ```
/// use std::time::Duration;
/// use tensorboard_logger::SummaryWriter;
///
/// let dir = tempfile::tempdir()?;
/// let writer = SummaryWriter::builder(dir.path().join("mnist/relu"))
///     .flush_interval(Duration::from_secs(1))
///     .queue_capacity(256)
///     .fsync_on_flush(true)
///     .build()?;
/// writer.add_scalar("loss", 0.5, 0)?;
/// writer.close()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until .build() is called"]
pub struct SummaryWriterBuilder {
    log_dir: PathBuf,
    flush_interval: Duration,
    queue_capacity: usize,
    fsync_on_flush: bool,
    purge_step: Option<i64>,
    filename_suffix: String,
}

impl SummaryWriterBuilder {
    pub(crate) fn new(log_dir: PathBuf) -> Self {
        Self {
            log_dir,
            flush_interval: DEFAULT_FLUSH_INTERVAL,
            queue_capacity: DEFAULT_QUEUE_CAPACITY,
            fsync_on_flush: false,
            purge_step: None,
            filename_suffix: String::new(),
        }
    }

    /// How long written data may sit in the writer's buffer before it goes to the file,
    /// where TensorBoard sees it (default 2 s). `Duration::ZERO` flushes after every
    /// event.
    pub fn flush_interval(mut self, interval: Duration) -> Self {
        self.flush_interval = interval;
        self
    }

    /// How many calls may wait for the writer thread (default 1024, at least 1). When the
    /// queue is full, calls block until the thread catches up: memory stays bounded and
    /// nothing is dropped.
    pub fn queue_capacity(mut self, capacity: usize) -> Self {
        self.queue_capacity = capacity;
        self
    }

    /// Whether [`SummaryWriter::flush`] and [`SummaryWriter::close`] also sync the file to
    /// the disk (`fsync`), so that flushed data survives a power loss, not just a crash
    /// of the process (default `false`).
    pub fn fsync_on_flush(mut self, fsync: bool) -> Self {
        self.fsync_on_flush = fsync;
        self
    }

    /// Resumes a run at `step`: TensorBoard drops every value this run's earlier event
    /// files hold at `step` or later, so a run restarted from a checkpoint shows one
    /// series instead of two overlapping ones. Written as `SessionLog` `START` events at
    /// `step` right after the file's header. Torch writes one such event, which
    /// TensorBoard 2.21's server takes as the run's first session start and purges
    /// nothing at; we write two, and the second purges. (TensorBoard applies it to every
    /// tag of the run, and only to events read before it.)
    ///
    /// ```
    /// use tensorboard_logger::SummaryWriter;
    ///
    /// let dir = tempfile::tempdir()?;
    /// let first = SummaryWriter::new(dir.path())?;
    /// for step in 0..10 {
    ///     first.add_scalar("loss", 1.0 / (step + 1) as f32, step)?;
    /// }
    /// first.close()?; // the checkpoint was saved at step 6; steps 6 to 9 are redone
    /// let resumed = SummaryWriter::builder(dir.path()).purge_step(6).build()?;
    /// resumed.add_scalar("loss", 0.2, 6)?;
    /// resumed.close()?;
    /// let run = tensorboard_logger::reader::read_run(dir.path(), &mut Vec::new())?;
    /// let steps: Vec<i64> = run.scalars("loss").unwrap().map(|(step, _)| step).collect();
    /// assert_eq!(steps, [0, 1, 2, 3, 4, 5, 6]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn purge_step(mut self, step: i64) -> Self {
        self.purge_step = Some(step);
        self
    }

    /// Appended to the event file's name (default none), as torch's `filename_suffix`:
    /// `events.out.tfevents.<secs>.<host>.<pid>.<counter><suffix>`. It may not hold `/`,
    /// `\` or NUL.
    pub fn filename_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.filename_suffix = suffix.into();
        self
    }

    /// Creates the log directory (and its parents), a new event file in it, and the
    /// writer thread.
    pub fn build(self) -> Result<SummaryWriter, Error> {
        if self.queue_capacity == 0 {
            return Err(Error::ZeroQueueCapacity);
        }
        std::fs::create_dir_all(&self.log_dir).map_err(|cause| Error::CreateLogDir {
            path: self.log_dir.clone(),
            cause,
        })?;
        let (file, path) = event_file::create_with_suffix(&self.log_dir, &self.filename_suffix)?;
        let settings = Settings {
            flush_interval: self.flush_interval,
            fsync_on_flush: self.fsync_on_flush,
            purge_step: self.purge_step,
        };
        spawn(self.log_dir, file, path, settings, self.queue_capacity)
    }
}

/// Starts the writer thread on an open event file.
pub(super) fn spawn(
    log_dir: PathBuf,
    file: File,
    path: PathBuf,
    settings: Settings,
    queue_capacity: usize,
) -> Result<SummaryWriter, Error> {
    let shared = Arc::new(Shared::default());
    // Half a queue per wake-up: the thread writes one half while callers fill the other.
    // Flushing after every event needs the thread woken for every event.
    let wake_at = if settings.flush_interval.is_zero() {
        1
    } else {
        queue_capacity.div_ceil(2)
    };
    let worker = Worker::new(file, path.clone(), shared.clone(), settings).map_err(|cause| {
        Error::CreateEventFile {
            path: path.clone(),
            cause,
        }
    })?;
    let queue = Arc::new(Queue::new(queue_capacity, wake_at));
    let taken = queue.clone();
    let thread = std::thread::Builder::new()
        .name("tensorboard-writer".into())
        .spawn(move || worker.run(&taken))
        .map_err(|cause| Error::SpawnWriter {
            path: path.clone(),
            cause,
        })?;
    Ok(SummaryWriter::start(log_dir, path, queue, thread, shared))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_directories_are_named_as_torch_names_them() {
        // Expected names from Python: datetime.fromtimestamp(t, timezone.utc)
        // .strftime("%b%d_%H-%M-%S").
        let cases = [
            (0, "Jan01_00-00-00"),
            (951_782_399, "Feb28_23-59-59"),
            (1_700_000_000, "Nov14_22-13-20"),
            (1_709_164_800, "Feb29_00-00-00"),
            (4_102_444_799, "Dec31_23-59-59"),
        ];
        for (secs, time) in cases {
            let at = UNIX_EPOCH + Duration::from_secs(secs);
            assert_eq!(
                run_dir_name(at, "host-1", "_relu"),
                format!("{time}_host-1_relu")
            );
        }
    }
}
