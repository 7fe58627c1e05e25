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
