//! With the `tch` feature: gives this crate's tests and examples an rpath to libtorch, and
//! publishes libtorch's directory to dependents' build scripts as
//! `DEP_TENSORBOARD_LOGGER_LIBTORCH_LIB` (cargo passes link arguments to no other
//! package's binaries; the README shows the `build.rs` that uses it).

#[path = "build_support/link_libtorch.rs"]
mod link_libtorch;

fn main() {
    if std::env::var_os("CARGO_FEATURE_TCH").is_some() {
        link_libtorch::link_libtorch();
        if let Ok(dir) = std::env::var("DEP_TCH_LIBTORCH_LIB") {
            println!("cargo:libtorch_lib={dir}");
        }
    }
}
