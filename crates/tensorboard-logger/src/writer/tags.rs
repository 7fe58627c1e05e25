//! Interned, validated tags, so that logging a known tag neither allocates nor re-checks it.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use crate::error::Error;
use crate::tag;

/// Tags this writer has seen, and the series of each `add_scalars` main tag.
///
/// The lock is held only to look tags up and register new ones, never while a caller
/// queues data: a full queue blocks that caller alone, not every thread logging through
/// the same writer.
#[derive(Debug, Default)]
pub(crate) struct Tags {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    known: HashSet<Arc<str>>,
    groups: HashMap<Arc<str>, Group>,
}

/// The series of one `add_scalars` main tag.
#[derive(Debug)]
struct Group {
    main: Arc<str>,
    /// Replaced, never changed, when a key is added: a caller keeps using the snapshot
    /// it took after the lock is released.
    members: Arc<Members>,
}

/// The keys of a group in first-use order, and the full tag `<main>/<key>` of each.
#[derive(Debug, Default)]
struct Members {
    keys: Box<[Arc<str>]>,
    tags: Box<[Arc<str>]>,
}

/// A main tag and all its keys so far: what the custom scalars layout shows.
pub(crate) type GroupLayout = (Arc<str>, Box<[Arc<str>]>);

impl Tags {
    /// The interned `tag`, validated on first use.
    pub(crate) fn get(&self, tag: &str) -> Result<Arc<str>, Error> {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(known) = inner.known.get(tag) {
            return Ok(known.clone());
        }
        check(tag)?;
        let interned: Arc<str> = tag.into();
        inner.known.insert(interned.clone());
        Ok(interned)
    }

    /// Resolves the tags `<main>/<key>` of an `add_scalars` call and hands each to
    /// `emit`, in call order, after releasing the lock. Every key is validated before
    /// the first `emit`, so a bad key rejects the whole call. Returns the group's layout
    /// when this call added a key.
    pub(crate) fn grouped<'a>(
        &self,
        main: &str,
        keys: impl Iterator<Item = &'a str> + Clone,
        mut emit: impl FnMut(usize, &Arc<str>) -> Result<(), Error>,
    ) -> Result<Option<GroupLayout>, Error> {
        let (main, members, added) = self.register(main, keys.clone())?;
        for (i, key) in keys.enumerate() {
            let index = members
                .keys
                .iter()
                .position(|k| &**k == key)
                .expect("register() added every key of this call");
            emit(i, &members.tags[index])?;
        }
        Ok(added.then(|| (main, members.keys.clone())))
    }

    /// Validates and registers the keys of `main`; returns the group's members, which
    /// hold every key given, and whether any was new.
    fn register<'a>(
        &self,
        main: &str,
        keys: impl Iterator<Item = &'a str>,
    ) -> Result<(Arc<str>, Arc<Members>, bool), Error> {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let Inner { known, groups } = &mut *inner;
        if !groups.contains_key(main) {
            check(main)?;
            let main: Arc<str> = main.into();
            let group = Group {
                main: main.clone(),
                members: Arc::default(),
            };
            groups.insert(main, group);
        }
        let group = groups.get_mut(main).expect("inserted above");
        let mut new_keys: Vec<&str> = Vec::new();
        for key in keys {
            if !group.members.keys.iter().any(|k| &**k == key) && !new_keys.contains(&key) {
                check(key)?;
                check(&format!("{main}/{key}"))?;
                new_keys.push(key);
            }
        }
        if !new_keys.is_empty() {
            let old = &group.members;
            let mut keys = old.keys.to_vec();
            let mut tags = old.tags.to_vec();
            for key in new_keys.iter().copied() {
                let full: Arc<str> = format!("{main}/{key}").into();
                known.insert(full.clone());
                keys.push(key.into());
                tags.push(full);
            }
            group.members = Arc::new(Members {
                keys: keys.into(),
                tags: tags.into(),
            });
        }
        Ok((
            group.main.clone(),
            group.members.clone(),
            !new_keys.is_empty(),
        ))
    }
}

fn check(tag: &str) -> Result<(), Error> {
    tag::validate(tag).map_err(|reason| Error::InvalidTag {
        tag: tag.to_owned(),
        reason,
        suggestion: tag::sanitize(tag),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_tags_are_shared_not_copied() {
        let tags = Tags::default();
        let a = tags.get("loss").unwrap();
        let b = tags.get("loss").unwrap();
        assert!(Arc::ptr_eq(&a, &b));
    }

    #[test]
    fn a_bad_tag_error_suggests_a_fix() {
        let error = Tags::default().get("train loss").unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid tag \"train loss\": character ' ' at byte 5 is not allowed \
             (allowed: ASCII letters, digits, '_', '-', '.', '/'); \
             use a tag like \"train_loss\" (tensorboard_logger::tag::sanitize)"
        );
    }

    fn collect(
        tags: &Tags,
        main: &str,
        keys: &[&str],
    ) -> Result<(Vec<Arc<str>>, Option<GroupLayout>), Error> {
        let mut out = Vec::new();
        let layout = tags.grouped(main, keys.iter().copied(), |_, tag| {
            out.push(tag.clone());
            Ok(())
        })?;
        Ok((out, layout))
    }

    #[test]
    fn grouped_reports_the_layout_only_when_a_key_is_new() {
        let tags = Tags::default();
        let (first, layout) = collect(&tags, "loss", &["train", "test"]).unwrap();
        assert_eq!(
            first.iter().map(|t| &**t).collect::<Vec<_>>(),
            ["loss/train", "loss/test"]
        );
        let (main, keys) = layout.unwrap();
        assert_eq!((&*main, keys.len()), ("loss", 2));

        let (again, layout) = collect(&tags, "loss", &["test", "train"]).unwrap();
        assert!(layout.is_none());
        assert!(Arc::ptr_eq(&again[1], &first[0]));

        let (_, layout) = collect(&tags, "loss", &["val"]).unwrap();
        let (_, keys) = layout.unwrap();
        assert_eq!(
            keys.iter().map(|k| &**k).collect::<Vec<_>>(),
            ["train", "test", "val"]
        );
    }

    #[test]
    fn a_key_repeated_in_one_call_is_one_series() {
        let tags = Tags::default();
        let (out, layout) = collect(&tags, "loss", &["train", "train"]).unwrap();
        assert!(Arc::ptr_eq(&out[0], &out[1]));
        assert_eq!(layout.unwrap().1.len(), 1);
    }

    #[test]
    fn emit_runs_without_the_lock() {
        let tags = Tags::default();
        tags.grouped("loss", ["train"].into_iter(), |_, _| {
            // A queue push that blocks here must not stop other threads' lookups.
            assert!(tags.inner.try_lock().is_ok(), "the tags lock is held");
            Ok(())
        })
        .unwrap();
    }

    #[test]
    fn one_bad_key_rejects_the_whole_call() {
        let tags = Tags::default();
        let error = collect(&tags, "loss", &["train", "/test"]).unwrap_err();
        assert!(
            error.to_string().starts_with("invalid tag \"/test\""),
            "{error}"
        );
        let (_, layout) = collect(&tags, "loss", &["train"]).unwrap();
        assert!(
            layout.is_some(),
            "train was not registered by the failed call"
        );
    }
}
