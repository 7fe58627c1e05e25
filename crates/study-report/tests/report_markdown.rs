//! Hparam values that are not plain names (a `|`, a line break) stay inside their table cells, on stdout and in report.md.

mod common;

use anyhow::Result;
use study_report::ReportOptions;

/// Cells of a markdown table row: split at each `|` that no backslash escapes.
fn cells(line: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let cell = cells.last_mut().unwrap();
                cell.push(c);
                cell.extend(chars.next());
            }
            '|' => cells.push(String::new()),
            c => cells.last_mut().unwrap().push(c),
        }
    }
    // The text before the first `|` and after the last one is not a cell.
    cells[1..cells.len() - 1]
        .iter()
        .map(|c| c.trim().to_owned())
        .collect()
}

/// Every row of each markdown table in `text`, as cells.
fn tables(text: &str) -> Vec<Vec<Vec<String>>> {
    let mut tables: Vec<Vec<Vec<String>>> = Vec::new();
    let mut in_table = false;
    for line in text.lines() {
        if line.starts_with('|') {
            if !in_table {
                tables.push(Vec::new());
            }
            tables.last_mut().unwrap().push(cells(line));
        }
        in_table = line.starts_with('|');
    }
    tables
}

#[test]
fn a_pipe_or_a_newline_in_an_hparam_stays_in_its_cell() -> Result<()> {
    let (root, logs) = common::temp_logs()?;
    for (run, dataset, activation, seed) in [
        ("a", "mnist|v2", "relu\nwith notes", "1|2"),
        ("b", "mnist", "elu\r\n", "3\\"),
    ] {
        common::write_run(
            &logs.join(run),
            &[
                ("dataset", dataset),
                ("activation", activation),
                ("seed", seed),
            ],
            &[("test/accuracy", vec![(10, 0.75)])],
        )?;
    }

    let options = ReportOptions::new(&logs, root.path().join("out"));
    let report = study_report::run(&options, &mut |_| {}, &mut |w| panic!("{w}"))?;
    let page = std::fs::read_to_string(&report.page)?;

    let stdout_tables = tables(&report.table);
    assert_eq!(stdout_tables.len(), 1, "{}", report.table);
    let page_tables = tables(&page);
    assert_eq!(page_tables.len(), 2, "{page}");
    assert_eq!(page_tables[0], stdout_tables[0]);
    for table in [&page_tables[0], &page_tables[1]] {
        let width = table[0].len();
        assert!(table.iter().all(|row| row.len() == width), "{table:?}");
        assert_eq!(
            table.len(),
            2 + 2,
            "header, rule and one row per run: {table:?}"
        );
    }
    let accuracy = &page_tables[0];
    assert_eq!(accuracy[2][..2], ["mnist", "elu<br>"]);
    assert_eq!(accuracy[3][..2], ["mnist\\|v2", "relu<br>with notes"]);
    let runs = &page_tables[1];
    assert_eq!(runs[2][..4], ["`b`", "mnist", "elu<br>", "3\\\\"]);
    assert_eq!(
        runs[3][..4],
        ["`a`", "mnist\\|v2", "relu<br>with notes", "1\\|2"]
    );

    // The data set heads its section on one line.
    assert!(page.lines().any(|l| l == "## mnist|v2"), "{page}");
    Ok(())
}
