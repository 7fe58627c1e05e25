//! `report.md`: the tables, every figure with what it shows, and what was skipped, in one page beside the PNGs.

use std::fmt::Write as _;
use std::path::Path;

use crate::error::Warning;
use crate::figures::Figure;

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
    /// Each data set with its figures.
    pub datasets: &'a [(String, Vec<Figure>)],
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
    for (dataset, figures) in page.datasets {
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

/// `text` with each line break replaced by a space, for a heading or a list item.
fn one_line(text: &str) -> String {
    text.replace("\r\n", " ").replace(['\r', '\n'], " ")
}
