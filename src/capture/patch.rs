//! What changed between two snapshots, as JSON: a capture stores its first snapshot whole and
//! every later one as a patch against the one before, so that its size and a replay's memory
//! follow what changed on the device (a few rows a tick) rather than what it holds (tens of
//! thousands of routes and sockets, mostly the same from one tick to the next).
//!
//! A patch is one of:
//! - `{"v": VALUE}`: the value replaced whole;
//! - `{"o": {KEY: PATCH, ...}, "r": [KEY, ...]}`: an object, its changed members patched (a new
//!   member is a `{"v": ...}`), the members in `r` removed; members not named are unchanged;
//! - `{"a": [OP, ...]}`: an array, rebuilt from the old one by its operations in order: a
//!   positive number keeps that many old elements, a negative one drops that many, an array
//!   inserts its elements. The operations account for every old element.
//!
//! An array's elements are rows, kept or replaced whole. The writer compares them by a 64-bit
//! hash of their JSON text ([`Shape`]), read from the snapshot's serialised line without
//! building a JSON tree of it: it keeps no previous snapshot, only its hashes, and holds no
//! more than the line it writes anyway (a tree of 50,000 routes would be tens of megabytes).
//! Two different rows with the same hash (about one chance in 10^19 for a pair) would keep
//! the old row; that is the price of not holding the previous snapshot.
//!
//! Rows are matched in order, in one pass: each new row is kept if an equal old row comes
//! after the last one kept (a map of the old rows' positions), and written otherwise. The
//! collectors keep their rows in a stable order, so this finds what came and went, in time
//! linear in the rows whatever changed; rows that moved are written again, which costs size,
//! never correctness. (A minimal diff, Myers', costs time with the number of changes: in a
//! debug build on the soak's device it overran any budget a tick allows.)
//!
//! Objects are compared member by member down to [`MAX_DEPTH`] levels (a snapshot has fewer);
//! deeper, as in a hostile capture, a value is compared whole, so that neither comparing nor
//! the patch's own depth grows with the input's.

use std::collections::{BTreeMap, HashMap};
use std::hash::{DefaultHasher, Hash, Hasher};

use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// Arrays this short are written whole when they change: a patch would be no smaller.
const SHORT_ARRAY: usize = 4;

/// How deep objects are compared member by member.
const MAX_DEPTH: usize = 16;

/// What the writer remembers of the value it wrote last: hashes, not the value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Shape {
    Leaf(u64),
    Object(BTreeMap<String, Shape>),
    Array(Vec<u64>),
}

/// A JSON value read in one pass over its text: objects member by member (down to
/// [`MAX_DEPTH`]), arrays as their rows' text, scalars as values; deeper values as their text.
enum Tree<'a> {
    Object(Vec<(String, Tree<'a>)>),
    Array(Vec<&'a RawValue>),
    Scalar(Value),
    Deep(&'a RawValue),
}

impl<'a> Tree<'a> {
    fn read(text: &'a str) -> Result<Tree<'a>, String> {
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let tree = serde::de::DeserializeSeed::deserialize(TreeAt(0), &mut deserializer)
            .map_err(|e| format!("not JSON ({e})"))?;
        deserializer.end().map_err(|e| format!("not JSON ({e})"))?;
        Ok(tree)
    }

    fn shape(&self) -> Shape {
        match self {
            Tree::Object(members) => Shape::Object(
                members
                    .iter()
                    .map(|(key, member)| (key.clone(), member.shape()))
                    .collect(),
            ),
            Tree::Array(rows) => Shape::Array(rows.iter().map(|row| hash(row.get())).collect()),
            Tree::Scalar(value) => Shape::Leaf(hash(&value.to_string())),
            Tree::Deep(raw) => Shape::Leaf(hash(raw.get())),
        }
    }

    /// The value itself, for a patch that writes it whole.
    fn into_value(self) -> Result<Value, String> {
        Ok(match self {
            Tree::Object(members) => Value::Object(
                members
                    .into_iter()
                    .map(|(key, member)| Ok((key, member.into_value()?)))
                    .collect::<Result<Map<String, Value>, String>>()?,
            ),
            Tree::Array(rows) => Value::Array(
                rows.into_iter()
                    .map(parse)
                    .collect::<Result<Vec<Value>, String>>()?,
            ),
            Tree::Scalar(value) => value,
            Tree::Deep(raw) => parse(raw)?,
        })
    }
}

/// Reads a [`Tree`] at a depth.
struct TreeAt(usize);

impl<'de> serde::de::DeserializeSeed<'de> for TreeAt {
    type Value = Tree<'de>;

    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Tree<'de>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for TreeAt {
    type Value = Tree<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Tree<'de>, A::Error> {
        let mut members = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let member = if self.0 + 1 >= MAX_DEPTH {
                Tree::Deep(map.next_value::<&RawValue>()?)
            } else {
                map.next_value_seed(TreeAt(self.0 + 1))?
            };
            members.push((key, member));
        }
        Ok(Tree::Object(members))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Tree<'de>, A::Error> {
        let mut rows = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(row) = seq.next_element::<&RawValue>()? {
            rows.push(row);
        }
        Ok(Tree::Array(rows))
    }

    fn visit_bool<E>(self, v: bool) -> Result<Tree<'de>, E> {
        Ok(Tree::Scalar(Value::Bool(v)))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Tree<'de>, E> {
        Ok(Tree::Scalar(Value::from(v)))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Tree<'de>, E> {
        Ok(Tree::Scalar(Value::from(v)))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Tree<'de>, E> {
        Ok(Tree::Scalar(Value::from(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Tree<'de>, E> {
        Ok(Tree::Scalar(Value::from(v)))
    }

    fn visit_string<E>(self, v: String) -> Result<Tree<'de>, E> {
        Ok(Tree::Scalar(Value::String(v)))
    }

    fn visit_unit<E>(self) -> Result<Tree<'de>, E> {
        Ok(Tree::Scalar(Value::Null))
    }

    fn visit_none<E>(self) -> Result<Tree<'de>, E> {
        Ok(Tree::Scalar(Value::Null))
    }
}

impl Shape {
    /// The shape of a value's JSON text.
    pub(crate) fn of(text: &str) -> Result<Shape, String> {
        Ok(Tree::read(text)?.shape())
    }
}

/// The patch that turns the value `old` describes into `new` (JSON text), and `new`'s shape;
/// no patch when they are the same.
pub(crate) fn diff(old: &Shape, new: &str) -> Result<(Option<Value>, Shape), String> {
    diff_tree(old, Tree::read(new)?)
}

fn diff_tree(old: &Shape, new: Tree) -> Result<(Option<Value>, Shape), String> {
    Ok(match (old, new) {
        (Shape::Object(old_members), Tree::Object(new_members)) => {
            let mut changed = Map::new();
            let mut shape = BTreeMap::new();
            for (key, member) in new_members {
                let (patch, member_shape) = match old_members.get(&key) {
                    Some(old_member) => diff_tree(old_member, member)?,
                    None => {
                        let member_shape = member.shape();
                        (Some(whole(member)?), member_shape)
                    }
                };
                if let Some(patch) = patch {
                    changed.insert(key.clone(), patch);
                }
                shape.insert(key, member_shape);
            }
            let removed: Vec<Value> = old_members
                .keys()
                .filter(|key| !shape.contains_key(*key))
                .map(|key| Value::String(key.clone()))
                .collect();
            let patch = (!changed.is_empty() || !removed.is_empty()).then(|| {
                let mut patch = Map::new();
                patch.insert("o".into(), Value::Object(changed));
                if !removed.is_empty() {
                    patch.insert("r".into(), Value::Array(removed));
                }
                Value::Object(patch)
            });
            (patch, Shape::Object(shape))
        }
        (Shape::Array(old_rows), Tree::Array(new_rows)) => {
            let hashes: Vec<u64> = new_rows.iter().map(|row| hash(row.get())).collect();
            let patch = if hashes == *old_rows {
                None
            } else {
                match rows_patch(old_rows, &hashes, &new_rows)? {
                    Some(patch) => Some(patch),
                    None => Some(whole(Tree::Array(new_rows))?),
                }
            };
            (patch, Shape::Array(hashes))
        }
        (old, new) => {
            let shape = new.shape();
            let patch = if shape == *old {
                None
            } else {
                Some(whole(new)?)
            };
            (patch, shape)
        }
    })
}

/// The array operations from the old rows to the new, or none when no row is kept (or the
/// array is short): the whole array is then the smaller patch.
fn rows_patch(old: &[u64], new: &[u64], rows: &[&RawValue]) -> Result<Option<Value>, String> {
    if old.len() < SHORT_ARRAY || new.len() < SHORT_ARRAY {
        return Ok(None);
    }
    // Where each old row stands, in order (equal rows share a hash).
    let mut positions: HashMap<u64, Vec<usize>> = HashMap::with_capacity(old.len());
    for (index, hash) in old.iter().enumerate() {
        positions.entry(*hash).or_default().push(index);
    }
    let mut ops = Ops::default();
    // The old rows before `next` are accounted for.
    let mut next = 0;
    for (index, hash) in new.iter().enumerate() {
        let found = positions.get(hash).and_then(|at| {
            let first = at.partition_point(|p| *p < next);
            at.get(first).copied()
        });
        match found {
            Some(position) => {
                ops.drop(position - next);
                ops.keep();
                next = position + 1;
            }
            None => ops.insert(parse(rows.get(index).ok_or("a row that is not there")?)?),
        }
    }
    ops.drop(old.len() - next);
    Ok((ops.kept > 0).then(|| serde_json::json!({ "a": ops.finish() })))
}

/// An array patch's operations as they are found, runs of one kind merged.
#[derive(Default)]
struct Ops {
    out: Vec<Value>,
    kept: usize,
    run: Run,
}

#[derive(Default)]
enum Run {
    #[default]
    None,
    Keep(usize),
    Drop(usize),
    Insert(Vec<Value>),
}

impl Ops {
    fn keep(&mut self) {
        self.kept += 1;
        match &mut self.run {
            Run::Keep(n) => *n += 1,
            _ => self.start(Run::Keep(1)),
        }
    }

    fn drop(&mut self, count: usize) {
        if count == 0 {
            return;
        }
        match &mut self.run {
            Run::Drop(n) => *n += count,
            _ => self.start(Run::Drop(count)),
        }
    }

    fn insert(&mut self, row: Value) {
        match &mut self.run {
            Run::Insert(rows) => rows.push(row),
            _ => self.start(Run::Insert(vec![row])),
        }
    }

    fn start(&mut self, run: Run) {
        let ended = std::mem::replace(&mut self.run, run);
        self.push(ended);
    }

    fn push(&mut self, run: Run) {
        match run {
            Run::None => {}
            Run::Keep(n) => self.out.push(Value::from(n)),
            Run::Drop(n) => self.out.push(Value::from(-(n as i64))),
            Run::Insert(rows) => self.out.push(Value::Array(rows)),
        }
    }

    fn finish(mut self) -> Vec<Value> {
        let last = std::mem::take(&mut self.run);
        self.push(last);
        self.out
    }
}

/// A patch as JSON text; nothing changed is an object patch that names no member.
pub(crate) fn text(patch: Option<Value>) -> String {
    patch
        .unwrap_or_else(|| serde_json::json!({ "o": {} }))
        .to_string()
}

fn parse(raw: &RawValue) -> Result<Value, String> {
    serde_json::from_str(raw.get()).map_err(|e| format!("not JSON ({e})"))
}

fn whole(tree: Tree) -> Result<Value, String> {
    Ok(serde_json::json!({ "v": tree.into_value()? }))
}

/// Applies `patch` to `target`; an error says what in the patch does not fit (and leaves
/// `target` half-changed: a capture with such a line is refused, not replayed).
pub(crate) fn apply(target: &mut Value, patch: Value) -> Result<(), String> {
    let Value::Object(mut patch) = patch else {
        return Err("a patch is not an object".into());
    };
    if let Some(value) = patch.remove("v") {
        *target = value;
        return Ok(());
    }
    if let Some(ops) = patch.remove("a") {
        let Value::Array(rows) = target else {
            return Err("an array patch for a value that is not an array".into());
        };
        let Value::Array(ops) = ops else {
            return Err("an array patch's operations are not a list".into());
        };
        *rows = rebuild(std::mem::take(rows), ops)?;
        return Ok(());
    }
    if let Some(changed) = patch.remove("o") {
        let Value::Object(members) = target else {
            return Err("an object patch for a value that is not an object".into());
        };
        let Value::Object(changed) = changed else {
            return Err("an object patch's members are not an object".into());
        };
        for (key, member_patch) in changed {
            match members.get_mut(&key) {
                Some(member) => {
                    apply(member, member_patch).map_err(|e| format!("{key}: {e}"))?;
                }
                None => {
                    let mut member = Value::Null;
                    match member_patch {
                        Value::Object(ref p) if p.contains_key("v") => {
                            apply(&mut member, member_patch)?;
                        }
                        _ => return Err(format!("{key}: a patch for a member that is not there")),
                    }
                    members.insert(key, member);
                }
            }
        }
        if let Some(removed) = patch.remove("r") {
            let Value::Array(removed) = removed else {
                return Err("an object patch's removed members are not a list".into());
            };
            for key in removed {
                let Value::String(key) = key else {
                    return Err("a removed member is not named by a string".into());
                };
                members.remove(&key);
            }
        }
        return Ok(());
    }
    Err("a patch has none of \"v\", \"o\", \"a\"".into())
}

/// The new rows from the old ones and the operations.
fn rebuild(old: Vec<Value>, ops: Vec<Value>) -> Result<Vec<Value>, String> {
    let old_len = old.len();
    let mut old = old.into_iter();
    let mut rows = Vec::with_capacity(old_len);
    let mut used = 0usize;
    for op in ops {
        match op {
            Value::Array(inserted) => rows.extend(inserted),
            Value::Number(n) => {
                let count = n
                    .as_i64()
                    .ok_or_else(|| format!("an array operation {n} is not a whole number"))?;
                let len = usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX);
                used = used.saturating_add(len);
                if used > old_len {
                    return Err(format!(
                        "the array operations account for more than its {old_len} rows"
                    ));
                }
                if count >= 0 {
                    rows.extend(old.by_ref().take(len));
                } else {
                    old.by_ref().take(len).for_each(drop);
                }
            }
            _ => return Err("an array operation is neither a number nor a list".into()),
        }
    }
    if used != old_len {
        return Err(format!(
            "the array operations account for {used} of its {old_len} rows"
        ));
    }
    Ok(rows)
}

/// A hash of a value's JSON text: the same for the same row written by the same writer.
fn hash(text: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn raw(value: &Value) -> String {
        value.to_string()
    }

    /// Diffs `old` → `new`, applies the patch to `old`, and returns the patch.
    fn round_trip(old: Value, new: Value) -> Option<Value> {
        let (patch, shape) = diff(&Shape::of(&raw(&old)).unwrap(), &raw(&new)).unwrap();
        assert_eq!(
            shape,
            Shape::of(&raw(&new)).unwrap(),
            "the shape returned is the new value's"
        );
        let mut rebuilt = old;
        if let Some(patch) = patch.clone() {
            apply(&mut rebuilt, patch).expect("the patch applies");
        }
        assert_eq!(rebuilt, new, "the patch rebuilds the new value");
        patch
    }

    fn rows(range: std::ops::Range<u32>) -> Vec<Value> {
        range
            .map(|i| json!({ "local": format!("10.0.0.{i}:443"), "state": "ESTABLISHED" }))
            .collect()
    }

    #[test]
    fn an_unchanged_value_has_no_patch() {
        let value =
            json!({ "taken_at": "2026-11-29T10:00:00Z", "sockets": { "data": rows(0..50) } });
        assert_eq!(round_trip(value.clone(), value), None);
    }

    #[test]
    fn a_few_rows_changed_among_many_give_a_patch_of_those_rows_only() {
        let old_rows = rows(0..1000);
        let mut new_rows = old_rows.clone();
        new_rows.remove(500);
        new_rows.insert(10, json!({ "local": "10.9.9.9:443", "state": "SYN_SENT" }));
        new_rows.push(json!({ "local": "10.9.9.10:443", "state": "TIME_WAIT" }));
        let old = json!({ "sockets": { "status": "ok", "data": old_rows } });
        let new = json!({ "sockets": { "status": "ok", "data": new_rows } });
        let patch = round_trip(old, new).expect("a patch");
        let text = patch.to_string();
        assert!(
            text.len() < 300,
            "the patch names the three changed rows, not the thousand: {text}"
        );
        assert!(text.contains("10.9.9.9") && text.contains("10.9.9.10"));
    }

    #[test]
    fn members_added_changed_and_removed_and_types_changed_rebuild_exactly() {
        let old = json!({ "a": 1, "b": { "c": [1, 2, 3], "d": "x" }, "gone": true, "n": null, "t": [1, 2, 3, 4, 5] });
        let new = json!({ "a": 1.5, "b": { "c": [1, 2, 3, 4], "d": "x" }, "new": { "k": -3 }, "n": [1], "t": "now text" });
        let patch = round_trip(old, new).expect("a patch");
        assert_eq!(patch["r"], json!(["gone"]));
    }

    #[test]
    fn rows_moved_repeated_and_removed_rebuild_exactly() {
        let row = |i: u32| json!({ "local": format!("10.0.0.{i}:443") });
        let old: Vec<Value> = [1, 2, 1, 3, 4, 5, 6, 7].map(row).to_vec();
        let new: Vec<Value> = [1, 1, 3, 2, 5, 8, 7, 1].map(row).to_vec();
        let patch = round_trip(json!({ "x": old }), json!({ "x": new }));
        assert!(patch.expect("a patch")["o"]["x"].get("a").is_some());
    }

    #[test]
    fn arrays_with_nothing_in_common_are_written_whole() {
        let patch = round_trip(json!({ "x": rows(0..10) }), json!({ "x": rows(10..20) }));
        assert!(patch.expect("a patch")["o"]["x"].get("v").is_some());
    }

    #[test]
    fn a_patch_that_does_not_fit_is_an_error_naming_where() {
        let target = json!({ "sockets": [1, 2, 3] });
        let cases = [
            (
                json!({ "o": { "sockets": { "a": [5] } } }),
                "more than its 3 rows",
            ),
            (
                json!({ "o": { "sockets": { "a": [1] } } }),
                "1 of its 3 rows",
            ),
            (
                json!({ "o": { "sockets": { "a": [1.5] } } }),
                "not a whole number",
            ),
            (json!({ "o": { "sockets": { "o": {} } } }), "not an object"),
            (json!({ "o": { "missing": { "a": [] } } }), "not there"),
            (
                json!({ "o": { "sockets": { "a": ["x"] } } }),
                "neither a number",
            ),
            (json!({ "q": 1 }), "none of"),
            (json!([1]), "not an object"),
            (
                json!({ "o": { "sockets": { "a": [i64::MIN] } } }),
                "more than",
            ),
        ];
        for (patch, says) in cases {
            let err = apply(&mut target.clone(), patch.clone()).expect_err(&patch.to_string());
            assert!(err.contains(says), "{patch}: {err}");
        }
    }

    #[test]
    fn a_value_nested_deeper_than_snapshots_are_is_compared_whole_without_recursing_into_it() {
        let deep = |levels: usize, leaf: &str| {
            let mut text = String::from(leaf);
            for _ in 0..levels {
                text = format!("{{\"a\":{text}}}");
            }
            format!("{{\"taken_at\":1,\"x\":{text}}}")
        };
        // Deeper than JSON is read anywhere: an error, not a stack overflow.
        let (old, new) = (deep(50_000, "1"), deep(50_000, "2"));
        let err = diff(&Shape::of(&old).unwrap(), &new).expect_err("too deep to write whole");
        assert!(err.contains("recursion limit"), "{err}");
        // Deeper than a snapshot: compared and written whole below MAX_DEPTH, and rebuilt.
        let (old, new) = (deep(100, "1"), deep(100, "2"));
        let (patch, _) = diff(&Shape::of(&old).unwrap(), &new).unwrap();
        let mut rebuilt: Value = serde_json::from_str(&old).unwrap();
        apply(&mut rebuilt, patch.expect("the deep member changed")).unwrap();
        assert_eq!(rebuilt, serde_json::from_str::<Value>(&new).unwrap());
    }

    #[test]
    fn a_row_written_with_other_spacing_is_a_changed_row_and_still_rebuilds() {
        let old = raw(&json!({ "rows": rows(0..10) }));
        let new = old.replace(',', ", ");
        let (patch, _) = diff(&Shape::of(&old).unwrap(), &new).unwrap();
        let mut rebuilt: Value = serde_json::from_str(&old).unwrap();
        apply(&mut rebuilt, patch.expect("a patch")).unwrap();
        assert_eq!(rebuilt, serde_json::from_str::<Value>(&new).unwrap());
    }
}
