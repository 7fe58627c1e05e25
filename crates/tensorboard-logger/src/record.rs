//! TFRecord framing: length, masked CRCs and payload, over any `Write`/`Read`.
