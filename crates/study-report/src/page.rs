//! `report.md`: the tables, every figure with what it shows, and what was skipped, in one page beside the PNGs.

use std::fmt::Write as _;
use std::path::Path;

use crate::diagnosis::{Agreement, GroupDiagnosis, RunDiagnosis};
use crate::error::Warning;
use crate::figures::Figure;

/// One data set's part of the page: its figures and the Diagnosis of its runs.
#[derive(Debug, Clone)]
pub struct Section {
    /// The data set.
    pub dataset: String,
    /// Its figures.
    pub figures: Vec<Figure>,
    /// The Diagnosis of each of its groups.
    pub diagnosis: Vec<GroupDiagnosis>,
}

/// What the page shows.
#[derive(Debug, Clone)]
pub struct Page<'a> {
    /// The log directory read.
    pub log_dir: &'a Path,
    /// How many runs were read.
    pub runs: usize,
    /// The accuracy tag.
    pub accuracy_tag: &'a str,
    /// The post's table.
    pub accuracy_table: &'a str,
    /// The per-run table.
    pub runs_table: &'a str,
    /// Each data set with its figures and Diagnosis.
    pub sections: &'a [Section],
    /// What was skipped.
    pub warnings: &'a [Warning],
}

/// The page as markdown, with PNG links relative to the page (it sits beside them).
pub fn markdown(page: &Page<'_>) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = write_page(&mut out, page);
    out
}

fn write_page(out: &mut String, page: &Page<'_>) -> std::fmt::Result {
    writeln!(out, "# Activation study report\n")?;
    writeln!(
        out,
        "{} runs read from `{}`, grouped by data set and activation (from each run's hparams, \
         or its directory when it has none).\n",
        page.runs,
        page.log_dir.display()
    )?;
    writeln!(out, "## Final test accuracy\n")?;
    writeln!(out, "{}", page.accuracy_table)?;
    writeln!(
        out,
        "The last `{}` point of each run; with several runs (seeds), their mean ± sample standard \
         deviation. *Runs* counts the runs averaged; *Steps* is the step of those last points.\n",
        page.accuracy_tag
    )?;
    writeln!(out, "### Every run\n")?;
    writeln!(out, "{}", page.runs_table)?;
    for Section {
        dataset,
        figures,
        diagnosis,
    } in page.sections
    {
        // A data set named by an hparam may hold line breaks, which would end the heading.
        let dataset = one_line(dataset);
        writeln!(out, "## {dataset}\n")?;
        for figure in figures {
            match figure {
                Figure::Written {
                    path,
                    heading,
                    caption,
                } => {
                    let file = path
                        .file_name()
                        .map(|f| f.to_string_lossy())
                        .unwrap_or_default();
                    writeln!(out, "### {heading}\n\n![{heading}]({file})\n\n{caption}\n")?;
                }
                Figure::Missing { heading, tags } => {
                    writeln!(
                        out,
                        "### {heading}\n\nNot drawn: no run of {dataset} logged {tags}.\n"
                    )?;
                }
            }
        }
        write_diagnosis(out, diagnosis)?;
    }
    if !page.warnings.is_empty() {
        writeln!(out, "## Skipped\n")?;
        for warning in page.warnings {
            writeln!(out, "- {}", one_line(&warning.to_string()))?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// The Diagnosis of a data set's groups: per run, where its signals came from, each finding
/// with its evidence and steps, what could not be checked, and whether the run's own findings
/// summary agrees.
fn write_diagnosis(out: &mut String, groups: &[GroupDiagnosis]) -> std::fmt::Result {
    writeln!(out, "### Diagnosis\n")?;
    writeln!(
        out,
        "Each run's signals replayed through the detector that `train` runs \
         (`study_spec::diagnosis`, its documented thresholds): a finding holds when its \
         condition held at {} consecutive diagnostics points (a non-finite gradient at one).\n",
        study_spec::diagnosis::WINDOW
    )?;
    for group in groups {
        writeln!(out, "#### {}\n", one_line(&group.activation))?;
        for run in &group.runs {
            write_run_diagnosis(out, run)?;
        }
    }
    Ok(())
}

fn write_run_diagnosis(out: &mut String, run: &RunDiagnosis) -> std::fmt::Result {
    let name = one_line(&run.run);
    match run.steps {
        Some((first, last)) => {
            let sources = if run.sources.is_empty() {
                String::new()
            } else {
                format!("; {}", run.sources.join("; "))
            };
            writeln!(
                out,
                "`{name}`: {} diagnostics points, steps {first}–{last}{sources}.\n",
                run.points
            )?;
            write!(
                out,
                "{}",
                study_spec::diagnosis::findings_markdown(&run.findings)
            )?;
        }
        None => writeln!(out, "`{name}`: nothing to replay.")?,
    }
    writeln!(out)?;
    match &run.agreement {
        Agreement::NoSummary => {}
        Agreement::Same => writeln!(
            out,
            "The run's own `{}` summary says the same, word for word.\n",
            study_spec::diagnosis::FINDINGS
        )?,
        Agreement::SameFindings { logged, .. } => {
            writeln!(
                out,
                "The run's own `{}` summary lists the same findings over the same steps; a \
                 number in their wording differs (the event file keeps 32-bit values). It reads:\n",
                study_spec::diagnosis::FINDINGS
            )?;
            for line in logged.lines() {
                writeln!(out, "> {line}")?;
            }
            writeln!(out)?;
        }
        Agreement::Differs { logged, .. } => {
            writeln!(
                out,
                "**Mismatch**: the run's own `{}` summary differs; it reads:\n",
                study_spec::diagnosis::FINDINGS
            )?;
            for line in logged.lines() {
                writeln!(out, "> {line}")?;
            }
            writeln!(out)?;
        }
    }
    if !run.not_checked.is_empty() {
        writeln!(out, "Not checked:\n")?;
        for missing in &run.not_checked {
            writeln!(out, "- {}", one_line(missing))?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// `text` with each line break replaced by a space, for a heading or a list item.
fn one_line(text: &str) -> String {
    text.replace("\r\n", " ").replace(['\r', '\n'], " ")
}
