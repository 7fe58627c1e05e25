//! A stranger's project, as the README tells one to set it up: a new crate outside the
//! workspace with a path dependency on this one, the README's `build.rs` and its 20-line
//! tch example as `main.rs`. It must build, and the binary must start without
//! `LD_LIBRARY_PATH` and log every variable of its `VarStore` in one call per step.
//!
//! Builds into the workspace's `target/`, with the workspace's dependency versions and
//! profile, so libtorch's bindings compiled for the workspace are reused.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};
use tensorboard_logger::reader;

/// The body of the README's code block that starts with `first_line`.
fn readme_block(readme: &str, first_line: &str) -> Result<String> {
    let start = readme
        .find(&format!("```rust,ignore\n{first_line}"))
        .with_context(|| format!("README has no rust block starting {first_line:?}"))?;
    let body = &readme[start + "```rust,ignore\n".len()..];
    let end = body.find("\n```").context("an unterminated block")?;
    Ok(body[..=end].to_owned())
}

#[test]
fn a_new_crate_set_up_as_the_readme_says_builds_runs_and_logs() -> Result<()> {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let workspace = crate_dir.join("../..").canonicalize()?;
    let readme = std::fs::read_to_string(crate_dir.join("README.md"))?;
    let build_rs = readme_block(&readme, "// Lets the binary find libtorch")?;
    let main_rs = readme_block(&readme, "use tch::")?;

    let project = tempfile::tempdir()?;
    let dir = project.path();
    std::fs::create_dir(dir.join("src"))?;
    std::fs::write(dir.join("build.rs"), build_rs)?;
    std::fs::write(dir.join("src/main.rs"), main_rs)?;
    // The workspace's lock file pins the same versions, so compiled dependencies match.
    std::fs::copy(workspace.join("Cargo.lock"), dir.join("Cargo.lock"))?;
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            r#"[package]
name = "stranger"
version = "0.1.0"
edition = "2024"

[dependencies]
tensorboard-logger = {{ path = {crate_dir:?}, features = ["tch"] }}
tch = "0.26"

[workspace]

# As the README advises for debug builds.
[profile.dev.package.tensorboard-logger]
opt-level = 3

# The workspace's setting for dependencies, so its compiled ones are reused.
[profile.dev.package."*"]
opt-level = 2
"#
        ),
    )?;

    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let build = Command::new(cargo)
        .args(["build", "--offline", "--quiet"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", workspace.join("target"))
        .output()
        .context("running cargo build")?;
    if !build.status.success() {
        bail!(
            "the stranger's crate did not build: {}\n{}",
            build.status,
            String::from_utf8_lossy(&build.stderr)
        );
    }
    let run = Command::new(workspace.join("target/debug/stranger"))
        .current_dir(dir)
        .env_remove("LD_LIBRARY_PATH")
        .output()
        .context("starting the stranger's binary")?;
    if !run.status.success() {
        bail!(
            "the stranger's binary failed: {}\n{}",
            run.status,
            String::from_utf8_lossy(&run.stderr)
        );
    }

    let run = reader::read_run(dir.join("logs/mlp"), &mut Vec::new())?;
    let tags: Vec<(&str, usize)> = run
        .series
        .iter()
        .map(|(tag, series)| (tag.as_str(), series.points.len()))
        .collect();
    let mut expected = vec![("inputs", 1), ("loss", 100)];
    for var in ["fc1/bias", "fc1/weight", "fc2/bias", "fc2/weight"] {
        expected.push((var, 100));
    }
    let gradients: Vec<String> = ["fc1/bias", "fc1/weight", "fc2/bias", "fc2/weight"]
        .iter()
        .flat_map(|var| [format!("{var}/gradients"), format!("{var}/gradients/norm")])
        .collect();
    expected.extend(gradients.iter().map(|tag| (tag.as_str(), 100)));
    expected.sort();
    assert_eq!(tags, expected);
    let loss: Vec<f64> = run.scalars("loss").context("loss")?.map(|p| p.1).collect();
    assert!(loss[99] < loss[0], "the loss did not fall: {loss:?}");
    Ok(())
}
