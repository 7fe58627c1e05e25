//! The `SummaryWriter`: the user-facing API, sending work to a background writer thread.
