//! Lets `report` start when a workspace-wide build links libtorch into it anyway.
//!
//! `study-report` itself needs no libtorch, and `cargo build -p study-report` links none. But
//! cargo unifies features over every package it builds, and `cargo build`/`cargo run --bin
//! report` at the workspace root build `activation-study` too, which turns on
//! `tensorboard-logger`'s `tch` feature: that build of `report` (and of this crate's test
//! binaries, in `cargo test --workspace`) then links libtorch, and without an rpath it could
//! not start. The rpath points at the libtorch of the setup
//! (`LIBTORCH`, set by `scripts/setup.sh` in `.cargo/config.toml`); a binary that links no
//! libtorch never reads it.

fn main() {
    println!("cargo:rerun-if-env-changed=LIBTORCH");
    if let Some(libtorch) = std::env::var_os("LIBTORCH") {
        let lib = std::path::Path::new(&libtorch).join("lib");
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib.display());
    }
}
