//! Compare the runs of a TensorBoard log directory without TensorBoard: read it with
//! `tensorboard-logger`'s reader, group the runs by data set and activation, and write the
//! activation study's table, PNG plots and a `report.md`. Needs no libtorch: the `report`
//! binary of this crate is what `cargo run --bin report` runs.
//!
//! The modules, from the bottom up: [`load`] reads the runs with
//! `tensorboard_logger::reader` (a corrupt file is a [`Warning`], not an [`error`]);
//! [`series`] takes their curves, histograms and hparams; [`gradients`] their per-layer
//! gradient norms; [`group`] places them by data set, activation and seed; [`stats`] gives the numbers over seeds; [`table`] writes the post's table,
//! [`figures`] decides what each PNG shows and [`plot`] draws it; [`diagnosis`] replays
//! each run through the detector `train` runs; [`page`] ties them into `report.md`;
//! [`output`] writes each file all or nothing.
//!
//! ```no_run
//! use study_report::ReportOptions;
//!
//! let options = ReportOptions::new("logs", "report");
//! let report = study_report::run(&options, &mut |_progress| {}, &mut |w| eprintln!("warning: {w}"))?;
//! print!("{}", report.table);
//! # Ok::<(), study_report::ReportError>(())
//! ```
#![warn(missing_docs)]

pub mod diagnosis;
pub mod error;
pub mod figures;
pub mod gradients;
pub mod group;
pub mod load;
pub mod output;
pub mod page;
pub mod plot;
pub mod series;
pub mod stats;
pub mod table;
#[cfg(test)]
mod test_runs;

use std::io::Write as _;
use std::path::{Path, PathBuf};

use study_spec::{layout, tags};
use tensorboard_logger::reader::FileProgress;

use diagnosis::{RunDiagnosis, diagnose_group};
pub use error::{ReportError, Warning};
use figures::{Figure, FigureSettings};
use group::group_runs;
use load::load_runs;
use page::Section;
use plot::Size;
use series::last_scalar;
use table::{AccuracyRow, RunRow};

/// Default log directory, where `train` writes.
pub const DEFAULT_LOG_DIR: &str = layout::DEFAULT_LOG_DIR;
/// Default output directory.
pub const DEFAULT_OUT_DIR: &str = "report";
/// Default PNG width.
pub const DEFAULT_WIDTH: u32 = 1200;
/// Default PNG height.
pub const DEFAULT_HEIGHT: u32 = 800;
/// TensorBoard's default smoothing weight.
pub const DEFAULT_SMOOTHING: f64 = 0.6;
/// The scalar whose last value is a run's final accuracy.
pub const DEFAULT_ACCURACY_TAG: &str = tags::TEST_ACCURACY;
/// The histogram drawn over time: the post's key plot.
pub const DEFAULT_HISTOGRAM_TAG: &str = tags::CONV1_WEIGHT_GRADIENTS;

/// What to read and what to write.
#[derive(Debug, Clone, PartialEq, clap::Args)]
pub struct ReportOptions {
    /// Log directory to read: what `train` wrote, or any TensorBoard log directory
    #[arg(default_value = DEFAULT_LOG_DIR)]
    pub log_dir: PathBuf,
    /// Directory for the PNGs and report.md (created if missing; files of the same name are replaced)
    #[arg(long, short, default_value = DEFAULT_OUT_DIR)]
    pub out: PathBuf,
    /// Width of every PNG, in pixels
    #[arg(long, default_value_t = DEFAULT_WIDTH, value_parser = clap::value_parser!(u32).range(400..=8000))]
    pub width: u32,
    /// Height of every PNG, in pixels
    #[arg(long, default_value_t = DEFAULT_HEIGHT, value_parser = clap::value_parser!(u32).range(300..=8000))]
    pub height: u32,
    /// TensorBoard's smoothing weight for the loss and sparsity curves, in [0, 1): 0 draws them raw
    #[arg(long, default_value_t = DEFAULT_SMOOTHING, value_parser = parse_smoothing)]
    pub smoothing: f64,
    /// Scalar tag whose last value is a run's final accuracy
    #[arg(long, default_value = DEFAULT_ACCURACY_TAG)]
    pub accuracy_tag: String,
    /// Histogram tag to draw over time, one heat map per activation
    #[arg(long, default_value = DEFAULT_HISTOGRAM_TAG)]
    pub histogram_tag: String,
}

impl ReportOptions {
    /// Options with every default but the two directories.
    pub fn new(log_dir: impl Into<PathBuf>, out: impl Into<PathBuf>) -> Self {
        Self {
            log_dir: log_dir.into(),
            out: out.into(),
            width: DEFAULT_WIDTH,
            height: DEFAULT_HEIGHT,
            smoothing: DEFAULT_SMOOTHING,
            accuracy_tag: DEFAULT_ACCURACY_TAG.to_owned(),
            histogram_tag: DEFAULT_HISTOGRAM_TAG.to_owned(),
        }
    }
}

fn parse_smoothing(text: &str) -> Result<f64, String> {
    let weight: f64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number"))?;
    if (0.0..1.0).contains(&weight) {
        Ok(weight)
    } else {
        Err(format!(
            "{weight} is outside [0, 1); use 0 for raw curves, 0.6 for TensorBoard's default"
        ))
    }
}

/// What a report found and wrote.
#[derive(Debug, Clone)]
pub struct Report {
    /// The post's table, in markdown.
    pub table: String,
    /// The table's lines.
    pub rows: Vec<AccuracyRow>,
    /// Every run's final accuracy.
    pub runs: Vec<RunRow>,
    /// The PNGs written.
    pub pngs: Vec<PathBuf>,
    /// Every run's Diagnosis, group by group.
    pub diagnoses: Vec<RunDiagnosis>,
    /// The page tying them together.
    pub page: PathBuf,
    /// What was skipped.
    pub warnings: Vec<Warning>,
}

/// Reads `options.log_dir`, writes the PNGs and `report.md` into `options.out`, and
/// returns the table. `warn` hears each warning as it happens (they are also in the
/// result and on the page); `on_file` hears before each event file is read.
pub fn run(
    options: &ReportOptions,
    on_file: &mut dyn FnMut(FileProgress),
    warn: &mut dyn FnMut(&Warning),
) -> Result<Report, ReportError> {
    let mut warnings = Vec::new();
    let mut note = |w: Warning| {
        warn(&w);
        warnings.push(w);
    };
    let runs = load_runs(&options.log_dir, on_file, &mut note)?;

    let log_dir_name = dir_name(&options.log_dir);
    let groups = group_runs(&runs, &log_dir_name);
    for run in &runs {
        if last_scalar(run, &options.accuracy_tag).is_none() {
            note(Warning::NoAccuracy {
                run: run.name.clone(),
                tag: options.accuracy_tag.clone(),
            });
        }
    }
    let rows = table::accuracy_rows(&groups, &options.accuracy_tag);
    let run_rows = table::run_rows(&groups, &options.accuracy_tag, &log_dir_name);
    let label = if options.accuracy_tag == DEFAULT_ACCURACY_TAG {
        "Test accuracy".to_owned()
    } else {
        format!("Final `{}`", options.accuracy_tag)
    };
    let accuracy_table = table::accuracy_table(&rows, &label);
    let runs_table = table::runs_table(&run_rows, &label);

    std::fs::create_dir_all(&options.out).map_err(|cause| ReportError::CreateOutDir {
        path: options.out.clone(),
        cause,
    })?;
    let settings = FigureSettings {
        out_dir: &options.out,
        size: Size {
            width: options.width,
            height: options.height,
        },
        smoothing: options.smoothing,
        accuracy_tag: &options.accuracy_tag,
        histogram_tag: &options.histogram_tag,
    };
    let mut sections: Vec<Section> = Vec::new();
    for group in &groups {
        if sections.last().is_none_or(|s| s.dataset != group.dataset) {
            sections.push(Section {
                dataset: group.dataset.clone(),
                figures: Vec::new(),
                diagnosis: Vec::new(),
            });
        }
    }
    for section in &mut sections {
        let members: Vec<_> = groups
            .iter()
            .filter(|g| g.dataset == section.dataset)
            .collect();
        section.figures = figures::draw_dataset(&section.dataset, &members, &settings)?;
        section.diagnosis = members.iter().map(|g| diagnose_group(g)).collect();
    }
    let pngs = sections
        .iter()
        .flat_map(|s| &s.figures)
        .filter_map(|f| match f {
            Figure::Written { path, .. } => Some(path.clone()),
            Figure::Missing { .. } => None,
        })
        .collect();

    let page_path = options.out.join("report.md");
    let markdown = page::markdown(&page::Page {
        log_dir: &options.log_dir,
        runs: runs.len(),
        accuracy_tag: &options.accuracy_tag,
        accuracy_table: &accuracy_table,
        runs_table: &runs_table,
        sections: &sections,
        warnings: &warnings,
    });
    output::write_atomically(&page_path, |out| {
        out.write_all(markdown.as_bytes())
            .map_err(|cause| ReportError::WriteFile {
                path: page_path.clone(),
                cause,
            })
    })?;

    Ok(Report {
        table: accuracy_table,
        rows,
        runs: run_rows,
        pngs,
        diagnoses: sections
            .into_iter()
            .flat_map(|s| s.diagnosis)
            .flat_map(|g| g.runs)
            .collect(),
        page: page_path,
        warnings,
    })
}

/// The log directory's own name, for runs that sit directly in it.
fn dir_name(path: &Path) -> String {
    let absolute = std::fs::canonicalize(path)
        .or_else(|_| std::path::absolute(path))
        .unwrap_or_else(|_| path.to_owned());
    absolute
        .components()
        .rev()
        .find_map(|c| match c {
            std::path::Component::Normal(name) => Some(name.to_string_lossy().into_owned()),
            _ => None,
        })
        .unwrap_or_else(|| "logs".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smoothing_outside_zero_to_one_is_refused_with_the_fix() {
        assert_eq!(parse_smoothing("0.9"), Ok(0.9));
        assert_eq!(
            parse_smoothing("1"),
            Err(
                "1 is outside [0, 1); use 0 for raw curves, 0.6 for TensorBoard's default"
                    .to_owned()
            )
        );
        assert_eq!(
            parse_smoothing("x"),
            Err("\"x\" is not a number".to_owned())
        );
    }

    #[test]
    fn runs_in_the_log_dir_itself_take_its_name() {
        let root = tempfile::tempdir().unwrap();
        let relu = root.path().join("mnist/relu");
        std::fs::create_dir_all(&relu).unwrap();
        assert_eq!(dir_name(&relu), "relu");
        assert_eq!(dir_name(&relu.join("..")), "mnist");
    }
}
