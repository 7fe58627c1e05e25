//! Reading event files and run directories back, with CRC checks and clean stops at a truncated tail.
