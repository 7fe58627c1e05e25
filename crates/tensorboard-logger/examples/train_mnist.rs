//! Trains a small MLP on MNIST with tch and logs the run with tensorboard-logger: losses,
//! train/test accuracy in one chart, weight and activation histograms computed on the
//! tensors' device, a grid of input images, the configuration as text, and hparams.
//!
//! ```text
//! cargo run --release -p tensorboard-logger --features tch --example train_mnist -- [MNIST_DIR] [LOGDIR]
//! tensorboard --logdir logs/example
//! ```
//!
//! MNIST_DIR holds the four uncompressed IDX files (default:
//! `$ACTIVATION_STUDY_DATA/mnist`, filled by `./scripts/setup.sh`); LOGDIR defaults to
//! `logs/example/mlp`.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use tch::nn::{self, Module, OptimizerConfig};
use tch::{Device, Kind, Tensor};
use tensorboard_logger::{HParamValue, Image, SummaryWriter};

const HIDDEN: i64 = 128;
const BATCH: i64 = 128;
const STEPS: i64 = 600;
const LEARNING_RATE: f64 = 1e-3;
const LOG_EVERY: i64 = 20;
const EVAL_EVERY: i64 = 100;

/// A two-layer perceptron.
#[derive(Debug)]
struct Net {
    fc1: nn::Linear,
    fc2: nn::Linear,
}

impl Net {
    fn new(vs: &nn::Path) -> Self {
        Self {
            fc1: nn::linear(vs / "fc1", 784, HIDDEN, Default::default()),
            fc2: nn::linear(vs / "fc2", HIDDEN, 10, Default::default()),
        }
    }

    /// The logits, and the hidden activations for the histogram.
    fn forward_with_hidden(&self, xs: &Tensor) -> (Tensor, Tensor) {
        let hidden = xs.apply(&self.fc1).relu();
        (hidden.apply(&self.fc2), hidden)
    }
}

impl Module for Net {
    fn forward(&self, xs: &Tensor) -> Tensor {
        self.forward_with_hidden(xs).0
    }
}

fn accuracy(net: &Net, images: &Tensor, labels: &Tensor) -> Result<f32> {
    let logits = tch::no_grad(|| net.forward(images));
    let correct = logits
        .f_argmax(-1, false)?
        .f_eq_tensor(labels)?
        .f_to_kind(Kind::Float)?
        .f_mean(Kind::Float)?;
    Ok(correct.f_double_value(&[])? as f32)
}

fn main() -> Result<()> {
    let mut args = std::env::args_os().skip(1);
    let data_dir = match args.next() {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("ACTIVATION_STUDY_DATA").context(
            "no MNIST directory given and ACTIVATION_STUDY_DATA is not set: \
             pass the directory holding the MNIST IDX files, or run ./scripts/setup.sh",
        )?)
        .join("mnist"),
    };
    let logdir = args
        .next()
        .map_or_else(|| PathBuf::from("logs/example/mlp"), PathBuf::from);
    if !data_dir.join("train-images-idx3-ubyte").is_file() {
        bail!(
            "MNIST not found in {}: expected train-images-idx3-ubyte and the other IDX files \
             there (./scripts/setup.sh downloads them)",
            data_dir.display()
        );
    }

    let device = Device::cuda_if_available();
    let mnist = tch::vision::mnist::load_dir(&data_dir)
        .with_context(|| format!("loading MNIST from {}", data_dir.display()))?;
    let train_images = mnist.train_images.f_to_device(device)?;
    let train_labels = mnist.train_labels.f_to_device(device)?;
    let test_images = mnist.test_images.f_to_device(device)?;
    let test_labels = mnist.test_labels.f_to_device(device)?;

    let writer = SummaryWriter::new(&logdir)?;
    writer.add_text(
        "config",
        &format!(
            "| setting | value |\n|---|---|\n| hidden | {HIDDEN} |\n| batch | {BATCH} |\n\
             | steps | {STEPS} |\n| learning rate | {LEARNING_RATE} |\n| device | {device:?} |"
        ),
        0,
    )?;
    writer.add_hparams(
        &[
            ("hidden", HParamValue::from(HIDDEN)),
            ("lr", LEARNING_RATE.into()),
            ("activation", "relu".into()),
            ("cuda", device.is_cuda().into()),
        ],
        &["test/accuracy"],
    )?;
    let samples = test_images.f_narrow(0, 0, 16)?.f_view([16, 1, 28, 28])?;
    writer.add_images("inputs", &Image::batch_from_tensor(&samples)?, 0)?;

    let vs = nn::VarStore::new(device);
    let net = Net::new(&vs.root());
    let mut optimizer = nn::Adam::default().build(&vs, LEARNING_RATE)?;
    let train_size = train_images.size()[0];
    for step in 0..STEPS {
        let start = (step * BATCH) % (train_size - BATCH);
        let images = train_images.f_narrow(0, start, BATCH)?;
        let labels = train_labels.f_narrow(0, start, BATCH)?;
        let (logits, hidden) = net.forward_with_hidden(&images);
        let loss = logits
            .f_log_softmax(-1, Kind::Float)?
            .f_nll_loss::<Tensor>(&labels, None, tch::Reduction::Mean, -100)?;
        optimizer.backward_step(&loss);

        if step % LOG_EVERY == 0 {
            writer.add_scalar("train/loss", loss.f_double_value(&[])? as f32, step)?;
            writer.add_histogram("fc1/weight", &net.fc1.ws, step)?;
            writer.add_histogram("fc1/activations", &hidden, step)?;
        }
        if step % EVAL_EVERY == 0 || step == STEPS - 1 {
            let train_acc = accuracy(&net, &images, &labels)?;
            let test_acc = accuracy(&net, &test_images, &test_labels)?;
            writer.add_scalars(
                "accuracy",
                &[("train", train_acc), ("test", test_acc)],
                step,
            )?;
            writer.add_scalar("test/accuracy", test_acc, step)?;
            println!("step {step:4}: test accuracy {test_acc:.4}");
        }
    }
    writer.close()?;
    println!(
        "logged to {}; view with: tensorboard --logdir {}",
        logdir.display(),
        logdir.parent().unwrap_or(&logdir).display()
    );
    Ok(())
}
