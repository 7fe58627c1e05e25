//! A run's progress: a bar on a terminal, plain lines at a steady cadence where stderr is a
//! file or a pipe (Slurm output files, CI logs), which a bar would leave empty until the end.

use std::io::{IsTerminal, Write};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::config::RunConfig;

/// Time between two plain progress lines.
pub const PLAIN_EVERY: Duration = Duration::from_secs(30);

/// The progress display of one run; training updates [`RunProgress::bar`] (its position is
/// the step, its message the loss and rate).
pub struct RunProgress {
    bar: ProgressBar,
    plain: Option<PlainLines>,
}

/// The thread printing plain lines, and the channel that gives it notes and the run's outcome.
struct PlainLines {
    messages: mpsc::Sender<Message>,
    thread: JoinHandle<()>,
}

/// What the plain-lines thread is told.
enum Message {
    /// A line to print as it is, now.
    Note(String),
    /// The run's outcome: print the last line with it and end.
    Outcome(String),
}

impl RunProgress {
    /// A bar on stderr when it is a terminal, else plain lines on stderr every
    /// [`PLAIN_EVERY`] and at the run's end.
    pub fn new(config: &RunConfig) -> Self {
        let name = run_name(config);
        if std::io::stderr().is_terminal() {
            Self::terminal(name, config.steps as u64)
        } else {
            Self::plain(name, config.steps as u64, PLAIN_EVERY, std::io::stderr())
        }
    }

    /// A terminal bar for run `name` of `steps` steps.
    fn terminal(name: String, steps: u64) -> Self {
        let bar = ProgressBar::new(steps);
        let style = ProgressStyle::with_template(
            "{prefix:>18} [{bar:30}] step {pos}/{len} {msg} ({elapsed}, eta {eta})",
        )
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.set_prefix(name);
        Self { bar, plain: None }
    }

    /// Plain lines for run `name` of `steps` steps, written to `out` every `every` and once
    /// more when the run ends.
    ///
    /// ```
    /// use std::time::Duration;
    /// use activation_study::progress::RunProgress;
    ///
    /// let progress = RunProgress::plain("mnist/relu".into(), 60, Duration::from_secs(30), Vec::new());
    /// progress.bar().set_position(60);
    /// progress.bar().set_message("cross entropy 0.5210, 980 img/s");
    /// progress.finish("test accuracy 0.8123".into());
    /// ```
    pub fn plain<W: Write + Send + 'static>(
        name: String,
        steps: u64,
        every: Duration,
        mut out: W,
    ) -> Self {
        let bar = ProgressBar::with_draw_target(Some(steps), ProgressDrawTarget::hidden());
        bar.set_prefix(name);
        let (messages, received) = mpsc::channel::<Message>();
        let watched = bar.clone();
        let thread = std::thread::spawn(move || {
            // A deadline rather than a fresh timeout per message, so that notes do not delay
            // the next progress line.
            let mut next_line = Instant::now() + every;
            loop {
                match received.recv_timeout(next_line.saturating_duration_since(Instant::now())) {
                    Err(RecvTimeoutError::Timeout) => {
                        let _ = writeln!(out, "{}", line(&watched));
                        next_line = Instant::now() + every;
                    }
                    Ok(Message::Note(note)) => {
                        let _ = writeln!(out, "{note}");
                    }
                    Ok(Message::Outcome(outcome)) => {
                        let _ = writeln!(out, "{}; {outcome}", line(&watched));
                        break;
                    }
                    Err(RecvTimeoutError::Disconnected) => break,
                }
            }
            let _ = out.flush();
        });
        Self {
            bar,
            plain: Some(PlainLines { messages, thread }),
        }
    }

    /// The bar that training advances.
    pub fn bar(&self) -> &ProgressBar {
        &self.bar
    }

    /// Prints `note` about the run on a line of its own, `<run>: <note>`: above the bar on a
    /// terminal, which stays whole, or between the plain lines.
    ///
    /// ```
    /// use std::time::Duration;
    /// use activation_study::progress::RunProgress;
    ///
    /// let progress = RunProgress::plain("mnist/relu".into(), 60, Duration::from_secs(30), Vec::new());
    /// progress.note("dead units in fc1 from step 400");
    /// progress.finish("test accuracy 0.8123".into());
    /// ```
    pub fn note(&self, note: &str) {
        let line = format!("{}: {note}", self.bar.prefix());
        match &self.plain {
            Some(plain) => {
                let _ = plain.messages.send(Message::Note(line));
            }
            None => self.bar.println(line),
        }
    }

    /// Ends the display with the run's `outcome` (e.g. its test accuracy).
    pub fn finish(self, outcome: String) {
        match self.plain {
            Some(plain) => plain.end(outcome),
            None => self.bar.finish_with_message(outcome),
        }
    }

    /// Ends the display of a run that failed, with `outcome`.
    pub fn fail(self, outcome: String) {
        match self.plain {
            Some(plain) => plain.end(outcome),
            None => self.bar.abandon_with_message(outcome),
        }
    }
}

impl PlainLines {
    /// Has the thread print the last line, and waits until it did.
    fn end(self, outcome: String) {
        if self.messages.send(Message::Outcome(outcome)).is_ok() {
            let _ = self.thread.join();
        }
    }
}

/// `mnist/relu-seed0: step 120/2000, cross entropy 0.4321, 1234 img/s, elapsed 1m05s`
fn line(bar: &ProgressBar) -> String {
    let message = bar.message();
    let separator = if message.is_empty() { "" } else { ", " };
    format!(
        "{}: step {}/{}{separator}{message}, elapsed {}",
        bar.prefix(),
        bar.position(),
        bar.length().unwrap_or_default(),
        minutes_seconds(bar.elapsed())
    )
}

/// `45s`, `1m05s`, `72m00s`: short, and the same width within a minute.
fn minutes_seconds(elapsed: Duration) -> String {
    let secs = elapsed.as_secs();
    if secs < 60 {
        format!("{secs}s")
    } else {
        format!("{}m{:02}s", secs / 60, secs % 60)
    }
}

/// `<dataset>/<run directory name>`, as the progress shows a run.
fn run_name(config: &RunConfig) -> String {
    let dir = config
        .run_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!("{}/{dir}", config.dataset)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use std::time::Instant;

    /// A writer the test can read while the progress thread writes to it.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Shared {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    #[test]
    fn plain_lines_come_at_the_cadence_and_at_the_end() {
        let out = Shared::default();
        let progress = RunProgress::plain(
            "mnist/relu-seed0".into(),
            60,
            Duration::from_millis(20),
            out.clone(),
        );
        progress.bar().set_position(10);
        progress
            .bar()
            .set_message("cross entropy 1.2000, 500 img/s");
        let waited = Instant::now();
        while !out.text().contains("step 10/60") && waited.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(5));
        }
        progress.bar().set_position(60);
        progress.finish("test accuracy 0.8123".into());
        // The elapsed time depends on how busy the machine is; the rest of each line does not.
        let text = out.text();
        let lines: Vec<String> = text
            .lines()
            .map(|l| {
                let (head, tail) = l.split_once(", elapsed ").unwrap();
                let after = tail.split_once(';').map(|(_, t)| t).unwrap_or("");
                format!(
                    "{head}, elapsed _{}{after}",
                    if after.is_empty() { "" } else { ";" }
                )
            })
            .collect();
        assert!(
            lines.contains(
                &"mnist/relu-seed0: step 10/60, cross entropy 1.2000, 500 img/s, elapsed _".into()
            ),
            "{text}"
        );
        assert_eq!(
            lines.last().unwrap(),
            "mnist/relu-seed0: step 60/60, cross entropy 1.2000, 500 img/s, elapsed _; test accuracy 0.8123",
            "{text}"
        );
    }

    #[test]
    fn a_note_is_a_line_of_its_own_between_the_progress_lines() {
        let out = Shared::default();
        let progress = RunProgress::plain("cifar10/sigmoid".into(), 5, PLAIN_EVERY, out.clone());
        progress.bar().set_position(3);
        progress.note("saturation in conv1");
        progress.bar().set_position(5);
        progress.finish("at chance".into());
        assert_eq!(
            out.text(),
            "cifar10/sigmoid: saturation in conv1\n\
             cifar10/sigmoid: step 5/5, elapsed 0s; at chance\n"
        );
    }

    #[test]
    fn notes_do_not_hold_back_the_progress_lines() {
        let out = Shared::default();
        let every = Duration::from_millis(300);
        let progress = RunProgress::plain("mnist/tanh".into(), 5, every, out.clone());
        // A note every 100 ms would restart a 300 ms timeout forever.
        for _ in 0..9 {
            std::thread::sleep(Duration::from_millis(100));
            progress.note("a finding");
        }
        progress.finish("done".into());
        let text = out.text();
        let progress_lines = text.lines().filter(|l| l.contains("step 0/5")).count();
        assert!(progress_lines >= 2, "{text}");
    }

    #[test]
    fn a_run_ending_before_the_first_tick_still_gets_its_line() {
        let out = Shared::default();
        let progress = RunProgress::plain("cifar10/elu".into(), 5, PLAIN_EVERY, out.clone());
        progress.fail("failed".into());
        assert_eq!(out.text(), "cifar10/elu: step 0/5, elapsed 0s; failed\n");
    }

    #[test]
    fn elapsed_time_reads_as_minutes_and_seconds() {
        assert_eq!(minutes_seconds(Duration::from_millis(59_900)), "59s");
        assert_eq!(minutes_seconds(Duration::from_secs(65)), "1m05s");
        assert_eq!(minutes_seconds(Duration::from_secs(4320)), "72m00s");
    }
}
