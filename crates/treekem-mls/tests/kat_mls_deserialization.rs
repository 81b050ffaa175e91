//! `deserialization.json` (family `mls-deserialization`), RFC 9420 section 2.1.2
//! (variable-size vector length headers).
//!
//! Format: `[{ vlbytes_header: hex, length: integer }]`, 14 entries from 0 to 2^30 - 1.
//! Checks: `vlbytes_header` decodes as a variable-length integer that consumes all of it and
//! equals `length`; encoding `length` gives back `vlbytes_header`. Negative twins: the same
//! length in the next wider (non-minimal) encoding is rejected, and so is the header with
//! its prefix bits set to the invalid `11`.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "tests fail loudly"
)]

mod common;

use test_support::{hex_field, report};
use treekem_mls::codec::{Reader, Writer};

fn decode(bytes: &[u8]) -> treekem_mls::Result<usize> {
    let mut r = Reader::new(bytes);
    let v = r.varint()?;
    r.finish("varint")?;
    Ok(v)
}

#[test]
fn kat_mls_deserialization() {
    let entries = common::entries("deserialization.json");
    assert_eq!(entries.len(), 14);
    let mut passed = 0;
    for (i, e) in entries.iter().enumerate() {
        let header = hex_field(e, "vlbytes_header");
        let length = usize::try_from(common::num(e, "length")).unwrap();
        assert_eq!(decode(&header).unwrap(), length, "entry {i}");
        let mut w = Writer::new();
        w.varint(length);
        assert_eq!(w.finish().unwrap(), header, "entry {i}");

        // Negative twins: a wider encoding of the same value, and the `11` prefix.
        let wider: Option<Vec<u8>> = match header.len() {
            1 => Some(
                u16::try_from(0x4000 | length)
                    .unwrap()
                    .to_be_bytes()
                    .to_vec(),
            ),
            2 => Some(
                u32::try_from(0x8000_0000 | length)
                    .unwrap()
                    .to_be_bytes()
                    .to_vec(),
            ),
            _ => None,
        };
        if let Some(wider) = wider {
            assert!(
                decode(&wider).is_err(),
                "entry {i}: non-minimal {wider:02x?}"
            );
        }
        let mut bad = header.clone();
        bad[0] |= 0xc0;
        assert!(decode(&bad).is_err(), "entry {i}: prefix 11");
        passed += 1;
    }
    assert_eq!(passed, 14);
    report("mls-deserialization", passed, 0);
}
