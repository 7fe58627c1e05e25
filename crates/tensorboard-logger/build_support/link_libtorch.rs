//! Build-script helper that makes tch binaries run without `LD_LIBRARY_PATH`.
//!
//! Shared by every crate of the workspace that links libtorch. Cargo does not pass link
//! arguments on to dependents; a downstream project uses the `build.rs` in the crate's
//! README, which reads the directory this crate publishes.

/// Emits an rpath to the libtorch library directory that `torch-sys` found, and keeps
/// `libtorch_cuda` as a NEEDED library when it exists.
///
/// The linker's as-needed rule drops `libtorch_cuda.so` because no symbol of it is
/// referenced directly; without it `Device::cuda_if_available()` never sees a GPU.
/// Requires a direct dependency on `torch-sys`, which publishes its library directory
/// as `DEP_TCH_LIBTORCH_LIB`.
pub fn link_libtorch() {
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    let Ok(lib_dir) = std::env::var("DEP_TCH_LIBTORCH_LIB") else {
        return;
    };
    let lib_dir = std::path::Path::new(&lib_dir);
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib_dir.display());
    if lib_dir.join("libtorch_cuda.so").exists() {
        println!("cargo:rustc-link-arg=-Wl,--push-state,--no-as-needed,-ltorch_cuda,--pop-state");
    }
}
