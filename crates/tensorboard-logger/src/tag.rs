//! The tag policy: which tags the writer accepts, and a sanitizer for the rest.
//!
//! A tag is accepted when it
//! - is not empty,
//! - consists of ASCII letters, digits, `_`, `-`, `.` and `/` only (the characters
//!   TensorFlow's summary ops accept, so tags look the same in every tool),
//! - does not start with `/`, and
//! - does not use a name TensorBoard's plugins reserve for themselves
//!   (`_hparams_/…`, `custom_scalars__config__`).
//!
//! Other tags are rejected with [`Error::InvalidTag`](crate::Error::InvalidTag), whose
//! message names the tag, the reason and a sanitized suggestion. Tags are never changed
//! silently: two different tags must never end up as one series. Use [`sanitize`] to
//! map arbitrary strings (e.g. parameter names from a model) to accepted tags.
//!
//! `/` groups tags into sections in TensorBoard's dashboards: `loss/train` appears in
//! the section `loss`.
//!
//! ```
//! use tensorboard_logger::tag;
//!
//! assert!(tag::validate("conv1/weight.grad").is_ok());
//! assert!(tag::validate("train loss").is_err());
//! assert_eq!(tag::sanitize("train loss (avg)"), "train_loss__avg_");
//! ```

/// Tag prefix of the hparams plugin's own summaries.
pub(crate) const HPARAMS_PREFIX: &str = "_hparams_/";
/// Tag of the custom scalars plugin's layout.
pub(crate) const CUSTOM_SCALARS_CONFIG: &str = "custom_scalars__config__";

/// Why a tag was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TagError {
    /// The tag is the empty string.
    #[error("a tag must not be empty")]
    Empty,
    /// The tag holds a character outside the accepted set.
    #[error(
        "character {character:?} at byte {index} is not allowed (allowed: ASCII letters, digits, '_', '-', '.', '/')"
    )]
    Character {
        /// The offending character.
        character: char,
        /// Its byte offset in the tag.
        index: usize,
    },
    /// The tag starts with `/`.
    #[error("a tag must not start with '/'")]
    LeadingSlash,
    /// The tag is reserved by a TensorBoard plugin.
    #[error("tags starting with {0:?} are reserved by TensorBoard plugins")]
    Reserved(&'static str),
}

/// Checks `tag` against the policy in the [module docs](self).
pub fn validate(tag: &str) -> Result<(), TagError> {
    if tag.is_empty() {
        return Err(TagError::Empty);
    }
    if let Some((index, character)) = tag.char_indices().find(|&(_, c)| !allowed(c)) {
        return Err(TagError::Character { character, index });
    }
    if tag.starts_with('/') {
        return Err(TagError::LeadingSlash);
    }
    for reserved in [HPARAMS_PREFIX, CUSTOM_SCALARS_CONFIG] {
        if tag.starts_with(reserved) {
            return Err(TagError::Reserved(reserved));
        }
    }
    Ok(())
}

/// Maps any string to an accepted tag: each disallowed character becomes `_`, leading
/// `/`s are dropped, a reserved prefix gets a leading `_`, and the empty string
/// becomes `_`.
///
/// Different inputs can map to the same tag (`"a b"` and `"a_b"`); keep that in mind
/// when sanitizing names that only differ in punctuation.
pub fn sanitize(tag: &str) -> String {
    let mut out: String = tag
        .trim_start_matches('/')
        .chars()
        .map(|c| if allowed(c) { c } else { '_' })
        .collect();
    if out.is_empty() || validate(&out).is_err() {
        out.insert(0, '_');
    }
    out
}

fn allowed(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_usual_tags() {
        for tag in [
            "loss",
            "loss/train",
            "conv1/weight.grad",
            "lr-schedule/step_2",
            "a//b/",
            "_private",
        ] {
            assert_eq!(validate(tag), Ok(()), "{tag}");
        }
    }

    #[test]
    fn rejects_with_the_reason() {
        assert_eq!(validate(""), Err(TagError::Empty));
        assert_eq!(
            validate("train loss"),
            Err(TagError::Character {
                character: ' ',
                index: 5
            })
        );
        assert_eq!(
            validate("größe"),
            Err(TagError::Character {
                character: 'ö',
                index: 2
            })
        );
        assert_eq!(validate("/loss"), Err(TagError::LeadingSlash));
        assert_eq!(
            validate("_hparams_/experiment"),
            Err(TagError::Reserved("_hparams_/"))
        );
        assert_eq!(
            validate("custom_scalars__config__"),
            Err(TagError::Reserved("custom_scalars__config__"))
        );
        assert_eq!(
            TagError::Character {
                character: ' ',
                index: 5
            }
            .to_string(),
            "character ' ' at byte 5 is not allowed (allowed: ASCII letters, digits, '_', '-', '.', '/')"
        );
    }

    #[test]
    fn sanitize_always_yields_a_valid_tag() {
        for (input, expected) in [
            ("train loss", "train_loss"),
            ("/abs/path", "abs/path"),
            ("", "_"),
            ("///", "_"),
            ("größe", "gr__e"),
            ("_hparams_/x", "__hparams_/x"),
            ("custom_scalars__config__", "_custom_scalars__config__"),
            ("ok/tag", "ok/tag"),
        ] {
            let sanitized = sanitize(input);
            assert_eq!(sanitized, expected, "{input:?}");
            assert_eq!(validate(&sanitized), Ok(()), "{input:?}");
        }
    }
}
