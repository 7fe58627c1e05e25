//! `report` on a full disk (a 64 KiB tmpfs as the output directory): it fails naming the file it could not write, and leaves no partial, empty or temporary file behind; earlier output stays whole.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};

/// A tmpfs mounted for the test, unmounted when dropped.
struct Mounted(PathBuf);

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// Mounts a 64 KiB tmpfs on `dir`; `None` (with the reason on stderr) where mounting is
/// not allowed, e.g. without root.
fn small_tmpfs(dir: &Path) -> Result<Option<Mounted>> {
    let output = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
        .arg(dir)
        .output();
    match output {
        Ok(output) if output.status.success() => Ok(Some(Mounted(dir.to_owned()))),
        Ok(output) => {
            eprintln!(
                "skipped: cannot mount a 64 KiB tmpfs to fill up (needs root): {}",
                String::from_utf8_lossy(&output.stderr).trim()
            );
            Ok(None)
        }
        Err(error) => {
            eprintln!("skipped: cannot run `mount` to make a small tmpfs: {error}");
            Ok(None)
        }
    }
}

fn write_runs(log_dir: &Path) -> Result<()> {
    for (i, activation) in ["sigmoid", "relu"].into_iter().enumerate() {
        let curve = |at: &dyn Fn(f32) -> f32| -> Vec<(i64, f32)> {
            (0..50).map(|step| (step, at(step as f32 / 50.0))).collect()
        };
        common::write_run(
            &log_dir.join("mnist").join(activation),
            &[("activation", activation), ("dataset", "mnist")],
            &[
                ("test/accuracy", curve(&|x| 0.5 + 0.4 * x + 0.05 * i as f32)),
                ("cross_entropy", curve(&|x| 2.3 - 2.0 * x)),
                ("total_loss", curve(&|x| 2.4 - 2.0 * x)),
            ],
        )?;
    }
    Ok(())
}

#[test]
fn a_full_disk_leaves_no_partial_file_and_names_the_file() -> Result<()> {
    let (root, logs) = common::temp_logs()?;
    write_runs(&logs)?;
    let out = root.path().join("out");
    std::fs::create_dir(&out)?;
    let Some(_mounted) = small_tmpfs(&out)? else {
        return Ok(());
    };
    // Output of an earlier report, which a failed one must not damage.
    let earlier = [
        ("report.md", b"# the earlier report\n".as_slice()),
        ("mnist-test-accuracy.png", b"the earlier plot".as_slice()),
    ];
    for (name, bytes) in earlier {
        std::fs::write(out.join(name), bytes)?;
    }

    // Plots this size take several times the 64 KiB there is.
    let output = Command::new(env!("CARGO_BIN_EXE_report"))
        .arg(&logs)
        .args(["--width", "3000", "--height", "2000", "--out"])
        .arg(&out)
        .output()?;
    let stderr = String::from_utf8(output.stderr)?;
    assert!(!output.status.success(), "{stderr}");
    let message = stderr
        .lines()
        .find_map(|l| l.strip_prefix("error: cannot write "))
        .with_context(|| format!("no write error in {stderr:?}"))?;
    let (failed, cause) = message
        .split_once(": ")
        .with_context(|| format!("no cause in {message:?}"))?;
    assert_eq!(cause, "No space left on device (os error 28)", "{stderr}");
    let failed = Path::new(failed);
    assert_eq!(failed.parent(), Some(out.as_path()), "{stderr}");
    assert!(failed.extension().is_some_and(|e| e == "png"), "{stderr}");

    for entry in std::fs::read_dir(&out)? {
        let path = entry?.path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            !name.starts_with('.') && !name.ends_with(".tmp"),
            "a temporary file was left: {name}"
        );
        let bytes = std::fs::read(&path)?;
        match earlier.iter().find(|(n, _)| *n == name) {
            // Replaced whole or not at all.
            Some((_, old)) if bytes == *old => {}
            _ => {
                assert_ne!(path, failed, "the file that failed exists");
                let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
                    .read_info()
                    .with_context(|| format!("{name} is not a whole PNG"))?;
                let mut pixels = vec![0; reader.output_buffer_size().context("size")?];
                let frame = reader
                    .next_frame(&mut pixels)
                    .with_context(|| format!("{name} is cut short"))?;
                assert_eq!((frame.width, frame.height), (3000, 2000), "{name}");
            }
        }
    }
    Ok(())
}
