//! Gives the `train` binary and the tests an rpath to libtorch, with `libtorch_cuda` linked.

#[path = "../tensorboard-logger/build_support/link_libtorch.rs"]
mod link_libtorch;

fn main() {
    link_libtorch::link_libtorch();
}
