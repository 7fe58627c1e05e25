//! The post's table in markdown: final test accuracy per data set and activation, mean ± standard deviation over seeds, with runs and steps.

use crate::group::{Group, key_of};
use crate::series::last_scalar;
use crate::stats::{Summary, summarize};

/// Decimals of accuracies in the tables, as in the post (0.9921).
pub const DECIMALS: usize = 4;

/// One line of the accuracy table.
#[derive(Debug, Clone, PartialEq)]
pub struct AccuracyRow {
    /// The data set.
    pub dataset: String,
    /// The activation.
    pub activation: String,
    /// Final accuracy over the runs that have one; `None` when none has yet.
    pub accuracy: Option<Summary>,
    /// How many runs the group has, with or without accuracy.
    pub runs: usize,
    /// Lowest and highest step of the final accuracy points.
    pub steps: Option<(i64, i64)>,
}

/// One line of the per-run table.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRow {
    /// The run (its path in the log directory).
    pub run: String,
    /// The data set.
    pub dataset: String,
    /// The activation.
    pub activation: String,
    /// The seed, if known.
    pub seed: Option<String>,
    /// Step and value of the last accuracy point.
    pub last: Option<(i64, f64)>,
}

/// The accuracy table's lines, one per group, from the last point of `tag` in each run.
pub fn accuracy_rows(groups: &[Group<'_>], tag: &str) -> Vec<AccuracyRow> {
    groups
        .iter()
        .map(|group| {
            let finals: Vec<(i64, f64)> = group
                .runs
                .iter()
                .filter_map(|run| last_scalar(run, tag))
                .collect();
            let values: Vec<f64> = finals.iter().map(|&(_, v)| v).collect();
            let steps = finals.iter().map(|&(s, _)| s);
            AccuracyRow {
                dataset: group.dataset.clone(),
                activation: group.activation.clone(),
                accuracy: summarize(&values),
                runs: group.runs.len(),
                steps: steps.clone().min().zip(steps.max()),
            }
        })
        .collect()
}

/// The per-run table's lines, group by group.
pub fn run_rows(groups: &[Group<'_>], tag: &str, log_dir_name: &str) -> Vec<RunRow> {
    groups
        .iter()
        .flat_map(|group| {
            group.runs.iter().map(move |run| RunRow {
                run: run.name.clone(),
                dataset: group.dataset.clone(),
                activation: group.activation.clone(),
                seed: key_of(run, log_dir_name).seed,
                last: last_scalar(run, tag),
            })
        })
        .collect()
}

/// An accuracy as the tables print it.
pub fn format_accuracy(value: f64) -> String {
    format!("{value:.DECIMALS$}")
}

/// The post's table: `| Data set | Activation | <label> | Runs | Steps |`.
pub fn accuracy_table(rows: &[AccuracyRow], label: &str) -> String {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            let with_accuracy = row.accuracy.map_or(0, |s| s.n);
            vec![
                row.dataset.clone(),
                row.activation.clone(),
                match row.accuracy {
                    None => "no accuracy yet".to_owned(),
                    Some(Summary {
                        mean, std: None, ..
                    }) => format_accuracy(mean),
                    Some(Summary {
                        mean,
                        std: Some(std),
                        ..
                    }) => {
                        format!("{} ± {}", format_accuracy(mean), format_accuracy(std))
                    }
                },
                if with_accuracy == row.runs {
                    row.runs.to_string()
                } else {
                    format!("{with_accuracy} of {}", row.runs)
                },
                match row.steps {
                    None => "–".to_owned(),
                    Some((lo, hi)) if lo == hi => lo.to_string(),
                    Some((lo, hi)) => format!("{lo}–{hi}"),
                },
            ]
        })
        .collect();
    markdown(
        &["Data set", "Activation", label, "Runs", "Steps"],
        &[false, false, true, true, true],
        &cells,
    )
}

/// Every run with its seed, last accuracy and step.
pub fn runs_table(rows: &[RunRow], label: &str) -> String {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            vec![
                format!("`{}`", row.run),
                row.dataset.clone(),
                row.activation.clone(),
                row.seed.clone().unwrap_or_else(|| "–".to_owned()),
                row.last
                    .map_or_else(|| "no accuracy yet".to_owned(), |(_, v)| format_accuracy(v)),
                row.last
                    .map_or_else(|| "–".to_owned(), |(s, _)| s.to_string()),
            ]
        })
        .collect();
    markdown(
        &["Run", "Data set", "Activation", "Seed", label, "Step"],
        &[false, false, false, true, true, true],
        &cells,
    )
}

/// `text` as the content of one markdown table cell: a `|` would end the cell and a line
/// break the row, so they are escaped (`\|`, `<br>`); so is a backslash (`\\`), so that a
/// value's own `\` before a `|` cannot cancel that escape.
pub fn escape_cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '|' => out.push_str("\\|"),
            '\r' => {
                chars.next_if_eq(&'\n');
                out.push_str("<br>");
            }
            '\n' => out.push_str("<br>"),
            c => out.push(c),
        }
    }
    out
}

/// A markdown table with columns padded to line up in a terminal too; every cell is
/// escaped, so a value holding `|` or a line break stays in its cell.
fn markdown(headers: &[&str], right_aligned: &[bool], rows: &[Vec<String>]) -> String {
    let headers: Vec<String> = headers.iter().map(|h| escape_cell(h)).collect();
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(|cell| escape_cell(cell)).collect())
        .collect();
    let width = |i: usize| {
        rows.iter()
            .map(|r| r[i].chars().count())
            .chain([headers[i].chars().count(), 3])
            .max()
            .unwrap_or(3)
    };
    let widths: Vec<usize> = (0..headers.len()).map(width).collect();
    let line = |cells: &mut dyn Iterator<Item = (usize, &str)>| {
        let mut out = String::from("|");
        for (i, cell) in cells {
            let pad = widths[i] - cell.chars().count();
            if right_aligned[i] {
                out += &format!(" {}{cell} |", " ".repeat(pad));
            } else {
                out += &format!(" {cell}{} |", " ".repeat(pad));
            }
        }
        out + "\n"
    };
    let mut out = line(&mut headers.iter().map(String::as_str).enumerate());
    out += "|";
    for (i, w) in widths.iter().enumerate() {
        out += &if right_aligned[i] {
            format!(" {}: |", "-".repeat(w - 1))
        } else {
            format!(" {} |", "-".repeat(*w))
        };
    }
    out += "\n";
    for row in &rows {
        out += &line(&mut row.iter().map(String::as_str).enumerate());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(
        activation: &str,
        accuracy: Option<Summary>,
        runs: usize,
        steps: Option<(i64, i64)>,
    ) -> AccuracyRow {
        AccuracyRow {
            dataset: "mnist".into(),
            activation: activation.into(),
            accuracy,
            runs,
            steps,
        }
    }

    #[test]
    fn the_table_shows_mean_and_spread_runs_and_steps() {
        let table = accuracy_table(
            &[
                row("relu", summarize(&[0.99, 0.98]), 2, Some((100, 100))),
                row("elu", summarize(&[0.97]), 3, Some((90, 100))),
                row("tanh", None, 1, None),
            ],
            "Test accuracy",
        );
        let expected = "\
| Data set | Activation |   Test accuracy |   Runs |  Steps |
| -------- | ---------- | --------------: | -----: | -----: |
| mnist    | relu       | 0.9850 ± 0.0071 |      2 |    100 |
| mnist    | elu        |          0.9700 | 1 of 3 | 90–100 |
| mnist    | tanh       | no accuracy yet | 0 of 1 |      – |
";
        assert_eq!(table, expected);
    }

    #[test]
    fn a_pipe_or_a_line_break_in_a_value_stays_in_its_cell() {
        assert_eq!(escape_cell("a|b"), "a\\|b");
        assert_eq!(
            escape_cell("two\nlines\r\nthree\rfour"),
            "two<br>lines<br>three<br>four"
        );
        assert_eq!(escape_cell("back\\|slash"), "back\\\\\\|slash");
        let mut odd = row("re|lu\nv2", summarize(&[0.5]), 1, Some((10, 10)));
        odd.dataset = "mnist\\".into();
        let label = "Final `a|b`";
        let table = accuracy_table(&[odd], label);
        let expected = "\
| Data set | Activation   | Final `a\\|b` | Runs | Steps |
| -------- | ------------ | -----------: | ---: | ----: |
| mnist\\\\  | re\\|lu<br>v2 |       0.5000 |    1 |    10 |
";
        assert_eq!(table, expected);
    }
}
