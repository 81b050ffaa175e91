//! `transcript-hashes.json` (family `mls-transcript-hashes`), RFC 9420 sections 8.2 and 6.1.
//!
//! Format: `{ cipher_suite, confirmation_key, authenticated_content,
//! interim_transcript_hash_before, confirmed_transcript_hash_after,
//! interim_transcript_hash_after }`. Checks: the AuthenticatedContent decodes, is a commit
//! and re-encodes exactly; its confirmation tag is the MAC of the confirmed hash after (and
//! a flipped tag bit is refused); both hashes after the update are reproduced. One case per
//! entry.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "tests fail loudly"
)]

mod common;

use test_support::{hex_field, report};
use treekem_mls::{
    codec::Codec,
    framing::{AuthenticatedContent, FramedContentBody},
    transcript::{self, verify_confirmation_tag},
};

#[test]
fn kat_mls_transcript_hashes() {
    let (mut passed, mut skipped) = (0, 0);
    for e in common::entries("transcript-hashes.json") {
        let Some(suite) = common::suite(&e) else {
            skipped += 1;
            continue;
        };
        let bytes = hex_field(&e, "authenticated_content");
        let content = AuthenticatedContent::from_bytes(&bytes).unwrap();
        assert_eq!(content.to_bytes().unwrap(), bytes);
        assert!(matches!(content.content.body, FramedContentBody::Commit(_)));
        let key = hex_field(&e, "confirmation_key");
        let confirmed = hex_field(&e, "confirmed_transcript_hash_after");
        let mut tag = content.auth.confirmation_tag.clone().unwrap().0;
        verify_confirmation_tag(suite, &key, &confirmed, &tag).unwrap();
        tag[0] ^= 1;
        assert!(verify_confirmation_tag(suite, &key, &confirmed, &tag).is_err());

        let hashes = transcript::update(
            suite,
            &hex_field(&e, "interim_transcript_hash_before"),
            &content,
        )
        .unwrap();
        assert_eq!(hashes.confirmed, confirmed);
        assert_eq!(
            hashes.interim,
            hex_field(&e, "interim_transcript_hash_after")
        );
        passed += 1;
    }
    assert_eq!((passed, skipped), (4, 3));
    report("mls-transcript-hashes", passed, skipped);
}
