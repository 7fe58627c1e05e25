//! Where runs go: `<log dir>/<data set>/<activation>`, `<activation>-seed<N>` with several
//! seeds, and a `-2`, `-3`, ... suffix on a rerun.

use crate::ActivationKind;

/// The log directory `train` writes to and `report` reads by default.
pub const DEFAULT_LOG_DIR: &str = "logs";

/// What joins an activation and its seed in a run's directory name.
const SEED_INFIX: &str = "-seed";

/// The directory name of a run of `activation` with `seed` when several seeds are trained.
pub fn seeded_run_name(activation: ActivationKind, seed: u64) -> String {
    format!("{activation}{SEED_INFIX}{seed}")
}

/// The activation and seed of a name made by [`seeded_run_name`]; `None` for other names.
///
/// ```
/// use study_spec::layout::split_seeded_run_name;
///
/// assert_eq!(split_seeded_run_name("leaky_relu-seed12"), Some(("leaky_relu", "12")));
/// assert_eq!(split_seeded_run_name("relu"), None);
/// ```
pub fn split_seeded_run_name(name: &str) -> Option<(&str, &str)> {
    let (activation, seed) = name.rsplit_once(SEED_INFIX)?;
    let digits = !seed.is_empty() && seed.bytes().all(|b| b.is_ascii_digit());
    (digits && !activation.is_empty()).then_some((activation, seed))
}

/// The name of the `n`-th run (from 2) whose directory name `name` was taken: `name-<n>`.
pub fn rerun_name(name: &str, n: u32) -> String {
    format!("{name}-{n}")
}

/// `name` without the `-<n>` that a rerun into a taken directory gets; other names as
/// they are.
///
/// ```
/// use study_spec::layout::strip_rerun_suffix;
///
/// assert_eq!(strip_rerun_suffix("elu-2"), "elu");
/// assert_eq!(strip_rerun_suffix("relu-seed3-2"), "relu-seed3");
/// assert_eq!(strip_rerun_suffix("elu"), "elu");
/// ```
pub fn strip_rerun_suffix(name: &str) -> &str {
    match name.rsplit_once('-') {
        Some((base, n))
            if !base.is_empty() && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) =>
        {
            base
        }
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seeded_name_splits_back_into_activation_and_seed() {
        for kind in ActivationKind::ALL {
            let name = seeded_run_name(kind, 7);
            assert_eq!(split_seeded_run_name(&name), Some((kind.name(), "7")));
        }
        assert_eq!(split_seeded_run_name("relu-seed"), None);
        assert_eq!(split_seeded_run_name("-seed3"), None);
        assert_eq!(split_seeded_run_name("relu-seedx"), None);
    }

    #[test]
    fn a_rerun_suffix_strips_back_off() {
        assert_eq!(rerun_name("relu-seed3", 2), "relu-seed3-2");
        assert_eq!(
            strip_rerun_suffix(&rerun_name("relu-seed3", 12)),
            "relu-seed3"
        );
        assert_eq!(strip_rerun_suffix("resnet-"), "resnet-");
        assert_eq!(strip_rerun_suffix("-2"), "-2");
    }
}
