//! Compiles our TensorBoard `.proto` files with protox (no system `protoc`), and with the
//! `tch` feature gives tests and examples an rpath to libtorch.

#[path = "build_support/link_libtorch.rs"]
mod link_libtorch;

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proto_root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../proto");
    let files = [
        "tensorboard/event.proto",
        "tensorboard/summary.proto",
        "tensorboard/tensor.proto",
        "tensorboard/plugins/hparams/api.proto",
        "tensorboard/plugins/hparams/plugin_data.proto",
        "tensorboard/plugins/custom_scalar/layout.proto",
    ];
    for file in &files {
        println!("cargo:rerun-if-changed={}", proto_root.join(file).display());
    }
    let descriptors = protox::compile(files, [&proto_root])?;
    prost_build::Config::new()
        .compile_well_known_types()
        // Sorted maps give hparams one encoding: the key order of protobuf deterministic serialization.
        .btree_map(["."])
        .compile_fds(descriptors)?;

    if std::env::var_os("CARGO_FEATURE_TCH").is_some() {
        link_libtorch::link_libtorch();
    }
    Ok(())
}
