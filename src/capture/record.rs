//! Writing a capture: the header, the first snapshot whole, then each snapshot as what changed
//! since the one before.

use std::io::Write;
use std::path::Path;

use super::patch::{self, Shape};
use super::redact::Redactor;
use super::{FORMAT, Header};
use crate::snapshot::Snapshot;

/// Writes a capture line by line, flushing each so that an interrupted recording keeps
/// everything before the interruption.
pub struct Recorder<W: Write> {
    out: W,
    redactor: Option<Redactor>,
    /// What the snapshot written last looked like, to write only what changed since.
    previous: Option<Shape>,
    /// The snapshot's serialised text, its buffer kept between snapshots: at scale the text
    /// is over 10 MB, which, allocated anew each second, took a dozen reallocations of up to
    /// 16 MB per snapshot.
    text: Vec<u8>,
}

impl<W: Write> Recorder<W> {
    pub fn start(mut out: W, mut header: Header, redact: bool) -> std::io::Result<Recorder<W>> {
        // What it writes is this format, whatever the header was copied from.
        header.format = FORMAT.into();
        let mut redactor = redact.then(Redactor::default);
        if let Some(r) = redactor.as_mut() {
            r.learn_host(&header.host);
            header.host = r.apply_text(&header.host);
            // The user names are not known yet (they come with the snapshots); a path to the
            // knowledge file may hold one, its name rarely does.
            if let Some(k) = header.knowledge.as_mut() {
                let name = Path::new(&k.origin)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| k.origin.clone());
                k.origin = r.apply_text(&name);
            }
            header.redacted = true;
        }
        writeln!(out, "{}", serde_json::to_string(&header)?)?;
        out.flush()?;
        Ok(Recorder {
            out,
            redactor,
            previous: None,
            text: Vec::new(),
        })
    }

    pub fn write(&mut self, snapshot: &Snapshot) -> std::io::Result<()> {
        self.text.clear();
        match self.redactor.as_mut() {
            Some(r) => serde_json::to_writer(&mut self.text, &r.redact(snapshot))?,
            None => serde_json::to_writer(&mut self.text, snapshot)?,
        }
        let text = std::str::from_utf8(&self.text).map_err(std::io::Error::other)?;
        // The first snapshot whole; then what changed since the one before. What this one
        // looks like is remembered only once its line is written: after a failed write, the
        // next snapshot is written whole.
        let shape = match self.previous.take() {
            None => {
                writeln!(self.out, "{text}")?;
                Shape::of(text)
            }
            Some(old) => match patch::diff(&old, text) {
                Ok((patch, shape)) => {
                    writeln!(self.out, "{}", patch_line(patch))?;
                    Ok(shape)
                }
                Err(e) => {
                    writeln!(self.out, "{text}")?;
                    Err(e)
                }
            },
        };
        self.previous = shape.ok();
        self.out.flush()
    }

    /// What it wrote to.
    pub fn into_inner(self) -> W {
        self.out
    }
}

/// The line of a snapshot written as what changed.
fn patch_line(patch: Option<serde_json::Value>) -> String {
    format!("{{\"patch\":{}}}", patch::text(patch))
}
