//! The committed prost output in `src/proto/` is what the repository's `proto/` files
//! compile to today. The crate builds from the committed files, so it packages and builds
//! without `proto/` and without protox; this test keeps the two from drifting apart.
//!
//! After changing a `.proto` file: `UPDATE_GENERATED_PROTO=1 cargo test -p
//! tensorboard-logger --test generated_proto` rewrites the committed files.

use std::path::Path;

use anyhow::{Context, Result, bail};

/// The `.proto` files the crate uses, relative to `proto/`.
const FILES: [&str; 10] = [
    "tensorboard/event.proto",
    "tensorboard/summary.proto",
    "tensorboard/tensor.proto",
    "tensorboard/plugins/hparams/api.proto",
    "tensorboard/plugins/hparams/plugin_data.proto",
    "tensorboard/plugins/custom_scalar/layout.proto",
    "tensorboard/plugins/pr_curve/plugin_data.proto",
    "tensorboard/plugins/audio/plugin_data.proto",
    "tensorboard/plugins/mesh/plugin_data.proto",
    "tensorboard/graph.proto",
];

/// The files prost writes for those, one per protobuf package.
const GENERATED: [&str; 4] = [
    "tensorboard.rs",
    "tensorboard.hparams.rs",
    "tensorboard.mesh.rs",
    "google.protobuf.rs",
];

#[test]
fn committed_prost_output_is_current() -> Result<()> {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let proto_root = crate_dir.join("../../proto");
    if !proto_root.is_dir() {
        eprintln!(
            "skipping committed_prost_output_is_current: {} is not here (a packaged crate \
             carries only the generated code)",
            proto_root.display()
        );
        return Ok(());
    }
    let out = tempfile::tempdir()?;
    let descriptors = protox::compile(FILES, [&proto_root])?;
    prost_build::Config::new()
        .compile_well_known_types()
        // Sorted maps give hparams one encoding: the key order of protobuf deterministic
        // serialization.
        .btree_map(["."])
        .out_dir(out.path())
        .compile_fds(descriptors)?;

    let committed_dir = crate_dir.join("src/proto");
    let update = std::env::var_os("UPDATE_GENERATED_PROTO").is_some();
    let mut stale = Vec::new();
    for name in GENERATED {
        let fresh = std::fs::read_to_string(out.path().join(name))
            .with_context(|| format!("prost wrote no {name}"))?;
        let path = committed_dir.join(name);
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed != fresh {
            if update {
                std::fs::write(&path, fresh).with_context(|| format!("writing {path:?}"))?;
            } else {
                stale.push(name);
            }
        }
    }
    let extra: Vec<_> = std::fs::read_dir(out.path())?
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| !GENERATED.contains(&name.as_str()))
        .collect();
    if !extra.is_empty() {
        bail!("prost now also writes {extra:?}: add them to GENERATED and to src/proto/mod.rs");
    }
    if !stale.is_empty() {
        bail!(
            "the committed files {stale:?} in src/proto/ differ from what proto/ compiles to; run \
             UPDATE_GENERATED_PROTO=1 cargo test -p tensorboard-logger --test generated_proto"
        );
    }
    Ok(())
}
