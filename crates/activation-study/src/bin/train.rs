//! `train`: runs the activation study; see `train --help`.

use activation_study::cli::{self, Args};
use clap::Parser;

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let outcomes = cli::run(&args, &mut std::io::stdout(), &mut std::io::stderr())?;
    let failed = outcomes.iter().filter(|o| o.result.is_err()).count();
    if failed > 0 {
        anyhow::bail!("{failed} of {} runs failed (errors above)", outcomes.len());
    }
    Ok(())
}
