//! The `train` command's flags, defaults and its errors for bad settings.

mod common;

use activation_study::activation::ActivationKind;
use activation_study::cli::{self, Args};
use activation_study::data::Dataset;
use activation_study::device::{self, DeviceChoice};
use activation_study::error::StudyError;
use clap::Parser;

fn parse_err(flags: &[&str]) -> String {
    Args::try_parse_from(std::iter::once("train").chain(flags.iter().copied()))
        .unwrap_err()
        .to_string()
}

#[test]
fn no_arguments_means_mnist_with_all_five_activations_and_the_tutorial_settings() {
    let args = common::args(&[]);
    assert_eq!(args.dataset, Dataset::Mnist);
    assert_eq!(args.activation_kinds(), ActivationKind::ALL);
    assert_eq!((args.steps, args.batch_size, args.lr), (None, None, None));
    let d = Dataset::Mnist.defaults();
    assert_eq!(
        (d.steps, d.batch_size, d.lr, d.full_steps),
        (2_000, 50, 1e-4, 20_000)
    );
    let c = Dataset::Cifar10.defaults();
    assert_eq!((c.batch_size, c.lr, c.ema_decay), (128, 0.1, Some(0.9999)));
    assert_eq!(args.logdir, std::path::PathBuf::from("logs"));
    assert_eq!((args.leaky_slope, args.elu_alpha), (0.2, 1.0));
    assert_eq!(args.device, DeviceChoice::Auto);
    assert!(!args.no_diagnostics, "the diagnosis is on by default");
    assert!(common::args(&["--no-diagnostics"]).no_diagnostics);
}

#[test]
fn activations_take_a_comma_list_in_study_order_or_all() {
    let args = common::args(&["--activations", "elu,relu,elu", "--dataset", "cifar10"]);
    assert_eq!(
        args.activation_kinds(),
        [ActivationKind::Relu, ActivationKind::Elu]
    );
    assert_eq!(args.dataset, Dataset::Cifar10);
    assert_eq!(
        common::args(&["--activations", "leaky_relu,all"]).activation_kinds(),
        ActivationKind::ALL
    );
    let err = parse_err(&["--activations", "relu,swish"]);
    assert!(err.contains("swish") && err.contains("leaky_relu"), "{err}");
}

#[test]
fn bad_numbers_are_refused_with_the_flag_named() {
    for lr in ["--lr=-0.1", "--lr=0", "--lr=nan"] {
        let err = parse_err(&[lr]);
        assert!(
            err.contains("--lr") && err.contains("positive, finite"),
            "{err}"
        );
    }
    let err = parse_err(&["--steps", "0"]);
    assert!(err.contains("--steps"), "{err}");
    let err = parse_err(&["--device", "tpu"]);
    assert!(err.contains("auto") && err.contains("cuda"), "{err}");
}

#[test]
fn an_out_of_range_activation_parameter_stops_before_any_work() {
    let tmp = tempfile::tempdir().unwrap();
    let logdir = tmp.path().join("logs");
    let args = common::args(&[
        "--activations",
        "leaky_relu",
        "--leaky-slope",
        "1.5",
        "--logdir",
        logdir.to_str().unwrap(),
    ]);
    let err = cli::run(&args, &mut Vec::new(), &mut Vec::new()).unwrap_err();
    assert!(matches!(err, StudyError::InvalidSetting(_)));
    assert!(err.to_string().contains("--leaky-slope"), "{err}");
    assert!(!logdir.exists(), "nothing written");
}

#[test]
fn a_missing_data_directory_stops_the_command_with_the_fix() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("no-data");
    let args = common::args(&[
        "--data-dir",
        data.to_str().unwrap(),
        "--logdir",
        tmp.path().join("logs").to_str().unwrap(),
    ]);
    let msg = cli::run(&args, &mut Vec::new(), &mut Vec::new())
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains(
            &data
                .join("mnist/train-images-idx3-ubyte")
                .display()
                .to_string()
        ),
        "{msg}"
    );
    assert!(msg.contains("./scripts/setup.sh"), "{msg}");
}

#[test]
fn cuda_is_an_error_exactly_when_libtorch_sees_no_gpu() {
    match device::resolve(DeviceChoice::Cuda) {
        Ok(d) => assert!(tch::Cuda::is_available() && d == tch::Device::Cuda(0)),
        Err(e) => {
            assert!(!tch::Cuda::is_available());
            let msg = e.to_string();
            assert!(
                msg.contains("--device cuda") && msg.contains("--device cpu"),
                "{msg}"
            );
        }
    }
    assert_eq!(
        device::resolve(DeviceChoice::Cpu).unwrap(),
        tch::Device::Cpu
    );
    assert_eq!(
        device::resolve(DeviceChoice::Auto).unwrap(),
        tch::Device::cuda_if_available()
    );
}

/// Runs the real `train` binary with `RUST_BACKTRACE=1`, as a user debugging something else
/// might have it set; returns the exit code and stderr.
fn train_binary(flags: &[&str]) -> (Option<i32>, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_train"))
        .args(flags)
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("run train");
    (out.status.code(), String::from_utf8(out.stderr).unwrap())
}

/// The old binary panicked with "capacity overflow" (exit 101) on the first and aborted on a
/// failed 16 GB allocation on the second, each after creating the run directory.
#[test]
fn a_batch_larger_than_the_training_split_is_refused_before_anything_is_created() {
    let tmp = tempfile::tempdir().unwrap();
    let logdir = tmp.path().join("logs");
    for batch in ["9223372036854775807", "2000000000", "60001"] {
        let (code, stderr) = train_binary(&[
            "--activations",
            "relu",
            "--batch-size",
            batch,
            "--logdir",
            logdir.to_str().unwrap(),
        ]);
        assert_eq!(code, Some(1), "{stderr}");
        assert_eq!(
            stderr,
            format!(
                "error: invalid setting: --batch-size {batch} is outside 1..=60000, the mnist \
                 training split's size; pass --batch-size 60000 or less\n"
            )
        );
        assert!(!logdir.exists(), "nothing created for --batch-size {batch}");
    }
}

/// A batch the data set allows but the machine's memory does not (60,000 MNIST images need
/// about 34 GiB); only checked where the machine has less than that available.
#[test]
fn a_batch_larger_than_the_available_memory_is_refused_with_the_size_that_fits() {
    let machine = activation_study::limits::Machine::this_one();
    let needed = 60_000 * activation_study::limits::bytes_per_example(Dataset::Mnist);
    match machine.available_memory {
        Some(available) if available < needed => {}
        other => {
            eprintln!(
                "skipped: needs a machine with less than {needed} bytes available: {other:?}"
            );
            return;
        }
    }
    let tmp = tempfile::tempdir().unwrap();
    let logdir = tmp.path().join("logs");
    let (code, stderr) = train_binary(&[
        "--batch-size",
        "60000",
        "--logdir",
        logdir.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.starts_with("error: invalid setting: --batch-size 60000 needs about ")
            && stderr.contains("GiB is available; pass --batch-size "),
        "{stderr}"
    );
    assert!(!logdir.exists());
}

#[test]
fn numbers_the_machine_cannot_serve_are_refused_before_anything_is_created() {
    let tmp = tempfile::tempdir().unwrap();
    let logdir = tmp.path().join("logs");
    let logdir = logdir.to_str().unwrap();
    for (flags, expected) in [
        (
            &["--threads", "100000"][..],
            "--threads 100000 is more than the",
        ),
        (
            &["--steps", "9223372036854775807"],
            "--steps 9223372036854775807 is outside",
        ),
        (&["--log-every", "9223372036854775807"], "--log-every"),
        (
            &["--seed", "18446744073709551615", "--seeds", "2"],
            "past the largest seed",
        ),
        (&["--seeds", "100000"], "500000 runs, more than 10000"),
        (&["--lr", "1e300"], "--lr 1e300 is outside"),
        (&["--elu-alpha", "inf"], "--elu-alpha"),
        (&["--leaky-slope", "1"], "--leaky-slope"),
    ] {
        let mut all = flags.to_vec();
        all.extend(["--logdir", logdir]);
        let (code, stderr) = train_binary(&all);
        assert_eq!(code, Some(1), "{flags:?}: {stderr}");
        assert!(
            stderr.starts_with("error: invalid setting: ") && stderr.contains(expected),
            "{flags:?}: {stderr}"
        );
        assert!(!std::path::Path::new(logdir).exists(), "{flags:?}");
    }
}

/// The old binary returned anyhow's error from `main`: with `RUST_BACKTRACE=1` every error
/// ended in a stack backtrace, and "Caused by:" repeated the OS error the message held.
#[test]
fn errors_print_their_causes_once_and_no_backtrace() {
    let tmp = tempfile::tempdir().unwrap();
    // A symbolic link to itself where the training images should be: opening it fails with
    // ELOOP.
    let data = tmp.path().join("data");
    std::fs::create_dir_all(data.join("mnist")).unwrap();
    std::os::unix::fs::symlink(
        "train-images-idx3-ubyte",
        data.join("mnist/train-images-idx3-ubyte"),
    )
    .unwrap();
    let (code, stderr) = train_binary(&[
        "--data-dir",
        data.to_str().unwrap(),
        "--logdir",
        tmp.path().join("logs").to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1), "{stderr}");
    let file = data.join("mnist/train-images-idx3-ubyte");
    assert_eq!(
        stderr,
        format!(
            "error: cannot read MNIST file {}; {}\n  caused by: Too many levels of symbolic links \
             (os error 40)\n",
            file.display(),
            activation_study::error::DATA_HINT
        )
    );

    // A log directory that is a file: every run fails on its own, the grid reports each.
    let not_a_dir = tmp.path().join("file");
    std::fs::write(&not_a_dir, b"x").unwrap();
    let (code, stderr) = train_binary(&[
        "--activations",
        "relu,elu",
        "--steps",
        "1",
        "--logdir",
        not_a_dir.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(!stderr.to_lowercase().contains("backtrace"), "{stderr}");
    assert_eq!(
        stderr.matches("Not a directory (os error 20)").count(),
        2,
        "{stderr}"
    );
    assert!(
        stderr
            .ends_with("error: 2 of 2 runs did not finish successfully (see the status column)\n"),
        "{stderr}"
    );
}
