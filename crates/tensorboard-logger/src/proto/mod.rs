//! Generated protobuf messages, wire-compatible with TensorBoard's own: prost's output for
//! the repository's `proto/` files, committed so the crate builds without them (the test
//! `generated_proto` checks it is current).

#![allow(missing_docs)] // Generated code: the documentation lives in the .proto files.
#![allow(clippy::all)] // Generated code is not ours to restyle.

/// Messages of TensorBoard's `tensorboard` package: events, summaries, tensors.
pub mod tensorboard {
    include!("tensorboard.rs");

    /// Messages of the hparams plugin (`tensorboard.hparams`).
    pub mod hparams {
        include!("tensorboard.hparams.rs");
    }

    /// Messages of the mesh plugin (`tensorboard.mesh`).
    pub mod mesh {
        include!("tensorboard.mesh.rs");
    }
}

/// The well-known `google.protobuf.Struct` family that hparams values use.
pub mod google {
    /// `google.protobuf` messages.
    pub mod protobuf {
        include!("google.protobuf.rs");
    }
}
