//! Shared helpers of the integration tests: where the real data and the real TensorBoard are.

use std::path::PathBuf;

/// The data root written by `scripts/setup.sh` into `.cargo/config.toml`.
#[allow(dead_code, reason = "not every test binary uses every helper")]
pub fn data_root() -> PathBuf {
    match std::env::var_os("ACTIVATION_STUDY_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => panic!(
            "ACTIVATION_STUDY_DATA is not set: run ./scripts/setup.sh (it fetches the data and configures cargo)"
        ),
    }
}

/// The venv's Python, which has the real `tensorboard` package.
#[allow(dead_code, reason = "not every test binary uses every helper")]
pub fn python() -> PathBuf {
    match std::env::var_os("ACTIVATION_STUDY_PYTHON") {
        Some(p) => PathBuf::from(p),
        None => panic!(
            "ACTIVATION_STUDY_PYTHON is not set: run ./scripts/setup.sh (it installs TensorBoard and configures cargo)"
        ),
    }
}

/// Builds the `train` command's arguments from a flag string.
#[allow(dead_code, reason = "not every test binary uses every helper")]
pub fn args(flags: &[&str]) -> activation_study::cli::Args {
    use clap::Parser;
    activation_study::cli::Args::try_parse_from(
        std::iter::once("train").chain(flags.iter().copied()),
    )
    .expect("valid flags")
}
