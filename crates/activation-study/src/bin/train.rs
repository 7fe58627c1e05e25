//! `train`: runs the activation study; see `train --help`.
//!
//! Exit codes: 0 when every run finished and learned, 1 when a setting, the data or a run
//! failed (the status column says which), 130 or 143 when SIGINT or SIGTERM stopped it.
//! Errors are reports, not crashes: they print as `error:` with `caused by:` lines and no
//! backtrace, whatever `RUST_BACKTRACE` says.

use std::process::ExitCode;

use activation_study::cli::{self, Args};
use activation_study::error;
use activation_study::interrupt::StopRequest;
use clap::Parser;

fn main() -> ExitCode {
    let args = Args::parse();
    let stop = match StopRequest::from_signals() {
        Ok(stop) => stop,
        Err(e) => {
            eprintln!("error: cannot catch Ctrl-C and SIGTERM\n  caused by: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcomes =
        match cli::run_until(&args, &stop, &mut std::io::stdout(), &mut std::io::stderr()) {
            Ok(outcomes) => outcomes,
            Err(e) => {
                eprintln!("error: {e}");
                for cause in error::causes(&e) {
                    eprintln!("  caused by: {cause}");
                }
                return ExitCode::FAILURE;
            }
        };
    if let Some(signal) = stop.requested() {
        return ExitCode::from(signal.exit_code());
    }
    let unsuccessful = outcomes
        .iter()
        .filter(|o| !o.status.end.is_success())
        .count();
    if unsuccessful > 0 {
        eprintln!(
            "error: {unsuccessful} of {} runs did not finish successfully (see the status column)",
            outcomes.len()
        );
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
