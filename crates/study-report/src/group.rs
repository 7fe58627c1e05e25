//! Grouping runs by data set and activation: from their hparams when they have them, else from their directory names.

use std::cmp::Ordering;

use study_spec::{ActivationKind, Dataset, hparams, layout};
use tensorboard_logger::reader::Run;

use crate::series::hparam_text;

/// The runs of one activation on one data set (its seeds).
#[derive(Debug, Clone)]
pub struct Group<'a> {
    /// The data set.
    pub dataset: String,
    /// The activation.
    pub activation: String,
    /// Its runs, in name order.
    pub runs: Vec<&'a Run>,
}

/// Where a run belongs, and which seed it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunKey {
    /// The data set.
    pub dataset: String,
    /// The activation.
    pub activation: String,
    /// The seed, if the hparams or the directory name give one.
    pub seed: Option<String>,
}

/// Places a run: hparams `dataset`, `activation` and `seed` when present; otherwise its
/// path, as `train` lays runs out: `<dataset>/<activation>`, `<dataset>/<activation>-seed<n>`
/// (with `--seeds`), or `<dataset>/<activation>/seed-<n>`, any of them with the `-2`, `-3`
/// suffix of a rerun. A missing data set directory is the log directory's own name
/// (`log_dir_name`).
pub fn key_of(run: &Run, log_dir_name: &str) -> RunKey {
    let mut parts: Vec<String> = run
        .name
        .split('/')
        .filter(|p| *p != ".")
        .map(str::to_owned)
        .collect();
    let mut path_seed = None;
    if let Some(last) = parts.last().cloned() {
        let candidates = [last.as_str(), layout::strip_rerun_suffix(&last)];
        if let Some(seed) = candidates.iter().find_map(|c| seed_of_dir(c)) {
            path_seed = Some(seed);
            parts.pop();
        } else if let Some((activation, seed)) = candidates
            .iter()
            .find_map(|c| layout::split_seeded_run_name(c))
        {
            path_seed = Some(seed.to_owned());
            *parts.last_mut().expect("a last part") = activation.to_owned();
        }
    }
    let (path_dataset, path_activation) = match &parts[..] {
        [] => (log_dir_name.to_owned(), log_dir_name.to_owned()),
        [activation] => (log_dir_name.to_owned(), known_or_raw(activation)),
        [.., dataset, activation] => (dataset.clone(), known_or_raw(activation)),
    };
    let hparam = |name: &str| hparam_text(run, name);
    RunKey {
        dataset: hparam(hparams::DATASET).unwrap_or(path_dataset),
        activation: hparam(hparams::ACTIVATION).unwrap_or(path_activation),
        seed: hparam(hparams::SEED).or(path_seed),
    }
}

/// A study activation's name from a directory name with a rerun suffix; other names as
/// they are, since `-<n>` may be part of them.
fn known_or_raw(name: &str) -> String {
    let base = layout::strip_rerun_suffix(name);
    match ActivationKind::from_name(base) {
        Some(kind) => kind.name().to_owned(),
        None => name.to_owned(),
    }
}

/// The seed a directory name like `seed-3`, `seed_3` or `seed3` gives.
fn seed_of_dir(name: &str) -> Option<String> {
    seed_digits(
        name.strip_prefix("seed")?
            .trim_start_matches(['-', '_', '=']),
    )
}

fn seed_digits(text: &str) -> Option<String> {
    (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())).then(|| text.to_owned())
}

/// The runs grouped by data set and activation: data sets in the post's order, then
/// activations in the post's order, unknown names after the known ones by name.
pub fn group_runs<'a>(runs: &'a [Run], log_dir_name: &str) -> Vec<Group<'a>> {
    let mut groups: Vec<Group<'a>> = Vec::new();
    for run in runs {
        let key = key_of(run, log_dir_name);
        match groups
            .iter_mut()
            .find(|g| g.dataset == key.dataset && g.activation == key.activation)
        {
            Some(group) => group.runs.push(run),
            None => groups.push(Group {
                dataset: key.dataset,
                activation: key.activation,
                runs: vec![run],
            }),
        }
    }
    let dataset_rank = |name: &str| Dataset::from_name(name).map(Dataset::rank);
    let activation_rank = |name: &str| ActivationKind::from_name(name).map(ActivationKind::rank);
    groups.sort_by(|a, b| {
        by_known_order(&a.dataset, &b.dataset, dataset_rank)
            .then_with(|| by_known_order(&a.activation, &b.activation, activation_rank))
    });
    groups
}

/// Known names first in the study's order (`rank`), then the rest alphabetically.
fn by_known_order(a: &str, b: &str, rank: impl Fn(&str) -> Option<usize>) -> Ordering {
    let rank = |name: &str| rank(name).unwrap_or(usize::MAX);
    rank(a).cmp(&rank(b)).then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tensorboard_logger::HParamValue;
    use tensorboard_logger::summary::hparams::SESSION_START_INFO_TAG;

    /// A run named `name` holding only the hparams given, as the reader returns it.
    fn run(name: &str, hparams: &[(&str, HParamValue)]) -> Run {
        let dir = tempfile::tempdir().unwrap();
        if !hparams.is_empty() {
            let writer = tensorboard_logger::SummaryWriter::new(dir.path()).unwrap();
            writer.add_hparams(hparams, &["loss"]).unwrap();
            writer.close().unwrap();
        }
        let mut warnings = Vec::new();
        let mut run = tensorboard_logger::reader::read_run(dir.path(), &mut warnings).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(
            run.series.contains_key(SESSION_START_INFO_TAG),
            !hparams.is_empty()
        );
        run.name = name.to_owned();
        run
    }

    fn key(dataset: &str, activation: &str, seed: Option<&str>) -> RunKey {
        RunKey {
            dataset: dataset.into(),
            activation: activation.into(),
            seed: seed.map(Into::into),
        }
    }

    #[test]
    fn hparams_win_over_the_path() {
        let r = run(
            "a/b/c",
            &[
                ("dataset", HParamValue::from("cifar10")),
                ("activation", HParamValue::from("elu")),
                ("seed", HParamValue::from(4.0)),
            ],
        );
        assert_eq!(key_of(&r, "logs"), key("cifar10", "elu", Some("4")));
    }

    #[test]
    fn without_hparams_the_path_names_data_set_activation_and_seed() {
        let cases = [
            // (run, log directory's name) and where it belongs.
            (("mnist/relu/seed-2", "logs"), ("mnist", "relu", Some("2"))),
            (("mnist/tanh", "logs"), ("mnist", "tanh", None)),
            (("elu/seed_7", "mnist"), ("mnist", "elu", Some("7"))),
            (("deep/mnist/elu", "logs"), ("mnist", "elu", None)),
            ((".", "relu"), ("relu", "relu", None)),
            // train's `--seeds` names and the `-<n>` of a rerun.
            (("mnist/relu-seed3", "logs"), ("mnist", "relu", Some("3"))),
            (
                ("mnist/leaky_relu-seed3-2", "logs"),
                ("mnist", "leaky_relu", Some("3")),
            ),
            (("mnist/elu-2", "logs"), ("mnist", "elu", None)),
            (
                ("mnist/relu/seed-4-2", "logs"),
                ("mnist", "relu", Some("4")),
            ),
            (
                ("imagenet/resnet-50", "logs"),
                ("imagenet", "resnet-50", None),
            ),
        ];
        for ((name, log_dir_name), (dataset, activation, seed)) in cases {
            assert_eq!(
                key_of(&run(name, &[]), log_dir_name),
                key(dataset, activation, seed),
                "{name} in {log_dir_name}"
            );
        }
    }

    #[test]
    fn groups_follow_the_posts_order() {
        let runs: Vec<Run> = [
            "zeta/relu",
            "mnist/swish",
            "mnist/elu/seed-2",
            "cifar10/tanh",
            "mnist/elu/seed-1",
            "mnist/sigmoid",
        ]
        .into_iter()
        .map(|n| run(n, &[]))
        .collect();
        let groups = group_runs(&runs, "logs");
        let listed: Vec<_> = groups
            .iter()
            .map(|g| (g.dataset.as_str(), g.activation.as_str(), g.runs.len()))
            .collect();
        assert_eq!(
            listed,
            [
                ("mnist", "sigmoid", 1),
                ("mnist", "elu", 2),
                ("mnist", "swish", 1),
                ("cifar10", "tanh", 1),
                ("zeta", "relu", 1)
            ]
        );
    }
}
