//! Reproduce "A brief introduction to activation functions in neural networks": train the
//! TensorFlow tutorials' MNIST and CIFAR-10 networks with sigmoid, tanh, ReLU, leaky ReLU and
//! ELU using tch, and log to TensorBoard what each layer does.
//!
//! The modules, from the bottom up: [`activation`], [`init`] and [`lrn`] are the building
//! blocks of the [`models`]; [`data`] loads, batches and preprocesses the data sets on the
//! training device; [`config`] is what defines a run; [`train`] runs one, logging through
//! [`summaries`] (with a [`WeightAverage`](ema::WeightAverage) where the tutorial evaluates
//! one, and the [`diagnostics`] that turn its signals into findings) into a directory from [`rundir`] on a device chosen by [`device`], while [`health`]
//! watches for divergence; how it ended ([`run_end`]) goes into [`results`]; [`cli`] is the
//! `train` command that checks every setting against [`limits`], plans the runs, stops on
//! the signals [`interrupt`] catches and prints the table, after [`heap`] tunes the allocator
//! for the step loop; [`sweep`] numbers the runs as tasks of a job array, and [`progress`]
//! shows each run on a terminal or in a job's output file.
//!
//! The study's names (activations, data sets, tags, hparams, run layout) come from
//! `study-spec`, which the libtorch-free `study-report` (the `report` binary) shares.
#![warn(missing_docs)]

pub mod activation;
pub mod cli;
pub mod config;
pub mod data;
pub mod device;
pub mod diagnostics;
pub mod ema;
pub mod error;
pub mod health;
pub mod heap;
pub mod init;
pub mod interrupt;
pub mod limits;
pub mod lrn;
pub mod models;
pub mod progress;
pub mod results;
pub mod run_end;
pub mod rundir;
pub mod summaries;
pub mod sweep;
pub mod train;
