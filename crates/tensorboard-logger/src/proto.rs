//! Generated protobuf messages, wire-compatible with TensorBoard's own (see `proto/`).

#![allow(missing_docs)] // Generated code: the documentation lives in the .proto files.
#![allow(clippy::all)] // Generated code is not ours to restyle.

/// Messages of TensorBoard's `tensorboard` package: events, summaries, tensors.
pub mod tensorboard {
    include!(concat!(env!("OUT_DIR"), "/tensorboard.rs"));

    /// Messages of the hparams plugin (`tensorboard.hparams`).
    pub mod hparams {
        include!(concat!(env!("OUT_DIR"), "/tensorboard.hparams.rs"));
    }
}

/// The well-known `google.protobuf.Struct` family that hparams values use.
pub mod google {
    /// `google.protobuf` messages.
    pub mod protobuf {
        include!(concat!(env!("OUT_DIR"), "/google.protobuf.rs"));
    }
}
