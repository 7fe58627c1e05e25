//! Trains a two-layer MLP on MNIST with tch and logs the model in one call per step:
//! `add_var_store` writes every weight, its gradient and the gradient norm; the loss goes
//! in as the 0-d tensor it is, and a batch of inputs as an NCHW image tensor.
//!
//! ```text
//! cargo run --release -p tensorboard-logger --features tch --example tch_mlp -- [MNIST_DIR] [LOGDIR]
//! tensorboard --logdir logs/example
//! ```
//!
//! MNIST_DIR holds the four uncompressed IDX files (default:
//! `$ACTIVATION_STUDY_DATA/mnist`, filled by `./scripts/setup.sh`); without them the
//! example says so and stops. LOGDIR defaults to `logs/example/tch_mlp`.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use tch::nn::{self, Module, OptimizerConfig};
use tch::{Device, Kind};
use tensorboard_logger::{DataFormat, SummaryWriter};

const BATCH: i64 = 128;
const STEPS: i64 = 500;
const LOG_EVERY: i64 = 10;

fn main() -> Result<()> {
    let mut args = std::env::args_os().skip(1);
    let data_dir = match args.next() {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("ACTIVATION_STUDY_DATA").context(
            "no MNIST directory given and ACTIVATION_STUDY_DATA is not set: pass the \
             directory holding the MNIST IDX files, or run ./scripts/setup.sh",
        )?)
        .join("mnist"),
    };
    let logdir = args
        .next()
        .map_or_else(|| PathBuf::from("logs/example/tch_mlp"), PathBuf::from);
    if !data_dir.join("train-images-idx3-ubyte").is_file() {
        bail!(
            "MNIST not found in {}: expected train-images-idx3-ubyte and the other IDX files",
            data_dir.display()
        );
    }
    let device = Device::cuda_if_available();
    let mnist = tch::vision::mnist::load_dir(&data_dir)
        .with_context(|| format!("loading MNIST from {}", data_dir.display()))?;
    let images = mnist.train_images.f_to_device(device)?;
    let labels = mnist.train_labels.f_to_device(device)?;

    let vs = nn::VarStore::new(device);
    let net = nn::seq()
        .add(nn::linear(vs.root() / "fc1", 784, 128, Default::default()))
        .add_fn(|x| x.relu())
        .add(nn::linear(vs.root() / "fc2", 128, 10, Default::default()));
    let mut optimizer = nn::Adam::default().build(&vs, 1e-3)?;
    let writer = SummaryWriter::new(&logdir)?;
    let first = images.f_narrow(0, 0, 16)?.f_view([16, 1, 28, 28])?;
    writer.add_image_tensor("inputs", &first, DataFormat::Nchw, 0)?;

    let train_size = images.size()[0];
    for step in 0..STEPS {
        let start = (step * BATCH) % (train_size - BATCH);
        let batch = images.f_narrow(0, start, BATCH)?;
        let loss = net
            .forward(&batch)
            .f_log_softmax(-1, Kind::Float)?
            .f_nll_loss::<tch::Tensor>(
                &labels.f_narrow(0, start, BATCH)?,
                None,
                tch::Reduction::Mean,
                -100,
            )?;
        optimizer.zero_grad();
        loss.backward();
        if step % LOG_EVERY == 0 {
            writer.add_scalar("train/loss", &loss, step)?;
            writer.add_var_store(&vs, step)?;
        }
        optimizer.step();
    }
    let test_images = mnist.test_images.f_to_device(device)?;
    let logits = tch::no_grad(|| net.forward(&test_images));
    let accuracy = logits
        .f_argmax(-1, false)?
        .f_eq_tensor(&mnist.test_labels.f_to_device(device)?)?
        .f_to_kind(Kind::Float)?
        .f_mean(Kind::Float)?;
    writer.add_scalar("test/accuracy", &accuracy, STEPS)?;
    println!("test accuracy {:.4}", accuracy.f_double_value(&[])?);
    writer.close()?;
    println!("logged to {}", logdir.display());
    Ok(())
}
