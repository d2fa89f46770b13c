//! Where a server timestamp is in a JSON object: the value at a dotted field path and
//! the span of its member, so that the codecs can take a sample and cut the field out
//! of what the app receives. Shared by the json, Calimero and Socket.IO codecs.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::engine::json::reader::{JsonResult, RawStr, Reader, ValueKind};
use crate::engine::protocols::frame_text::offset_in;

/// A dotted field path (`"meta.ts"`) as its parts.
pub(crate) fn split_path(field: &str) -> Vec<String> {
    field.split('.').filter(|s| !s.is_empty()).map(String::from).collect()
}

/// A stamp found while reading: its value (NaN when it is not a number) and its
/// member's span (key start, value end).
#[derive(Default)]
pub(crate) struct Stamp {
    pub(crate) value: Option<f64>,
    pub(crate) member: Option<(usize, usize)>,
}

/// Reads the stamp member whose key was just read.
pub(crate) fn read<'a>(r: &mut Reader<'a>, key: RawStr<'a>, f: &mut Stamp) -> JsonResult<()> {
    let key_start = offset_in(r.text(), key.raw) - 1;
    // `null` is no stamp; any other value that is not a number is a bad one (NaN), which
    // the machine refuses and reports.
    f.value = match r.peek_kind()? {
        ValueKind::Null => r.skip().map(|_| None)?,
        _ => Some(r.number_or_skip()?.unwrap_or(f64::NAN)),
    };
    f.member = Some((key_start, r.pos()));
    Ok(())
}

/// Follows a dotted timestamp path through nested objects.
pub(crate) fn find(r: &mut Reader<'_>, f: &mut Stamp, path: &[String]) -> JsonResult<()> {
    if r.peek_kind()? != ValueKind::Object {
        return r.skip().map(|_| ());
    }
    r.object(|r, key| {
        if !key.eq_str(&path[0]) {
            r.skip().map(|_| ())
        } else if path.len() == 1 {
            read(r, key, f)
        } else {
            find(r, f, &path[1..])
        }
    })
}

/// Finds the stamp at the dotted `path` inside the JSON object `text` (NaN when it is
/// not a number, nothing when it is `null`): its value and
/// the byte span of its member (key start, value end), for removal.
pub(crate) fn locate(text: &str, path: &[String]) -> Option<(f64, usize, usize)> {
    if path.is_empty() {
        return None;
    }
    let mut r = Reader::new(text);
    if r.peek_kind().ok()? != ValueKind::Object {
        return None;
    }
    let mut f = Stamp::default();
    find(&mut r, &mut f, path).ok()?;
    let (a, b) = f.member?;
    Some((f.value?, a, b))
}
