//! Event files: naming, create-new opening, the `file_version` header and event records.
