//! `report`: compare the runs of a log directory without TensorBoard — the post's accuracy table on stdout, PNG plots and report.md on disk.

use std::process::ExitCode;

use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use study_report::ReportOptions;
use tensorboard_logger::reader::FileProgress;

/// Compare the runs of a TensorBoard log directory without opening TensorBoard.
///
/// Prints the final test accuracy per data set and activation (mean ± standard deviation
/// over seeds) as a markdown table on stdout, and writes PNG plots (test accuracy, cross
/// entropy, total loss, the conv1 weight-gradient distribution over time, sparsity per
/// layer, gradient norm per layer) with a report.md that ties them together and diagnoses
/// each run (vanishing or exploding gradients, saturation, dead units, a loss plateau) with
/// the detector `train` runs. Reads event files of this project's writer and of others such
/// as torch.utils.tensorboard (scalars as simple values or tensors, histograms as legacy
/// protos or tensors); a corrupt file is skipped with a warning on stderr.
#[derive(Debug, Parser)]
#[command(
    version,
    after_help = "Example: cargo run --release -p study-report -- logs --out report"
)]
struct Cli {
    #[command(flatten)]
    options: ReportOptions,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let progress = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("reading event files {bar:30} {pos}/{len}")
            .expect("the template is valid"),
    );
    let mut on_file = |file: FileProgress| {
        progress.set_length(file.count as u64);
        progress.set_position(file.index as u64);
    };
    let result = study_report::run(&cli.options, &mut on_file, &mut |warning| {
        progress.suspend(|| eprintln!("warning: {warning}"));
    });
    progress.finish_and_clear();
    match result {
        Ok(report) => {
            print!("{}", report.table);
            let warnings = match report.warnings.len() {
                0 => String::new(),
                1 => " (1 warning above)".to_owned(),
                n => format!(" ({n} warnings above)"),
            };
            eprintln!(
                "wrote {} plots and {}{warnings}",
                report.pngs.len(),
                report.page.display()
            );
            let diagnosed = report
                .diagnoses
                .iter()
                .filter(|d| !d.findings.is_empty())
                .count();
            let findings: usize = report.diagnoses.iter().map(|d| d.findings.len()).sum();
            eprintln!(
                "diagnosis: {findings} findings in {diagnosed} of {} runs (report.md lists them)",
                report.diagnoses.len()
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
