//! Symbols drawn beside every status and carrier, so that nothing is told by colour alone;
//! `--ascii` swaps them (and the borders) for plain ASCII.

use ratatui::symbols::border;

use crate::assessment::{Carrier, Status, Verdict};

#[derive(Debug, Clone, Copy)]
pub struct Glyphs {
    pub ascii: bool,
}

const ASCII_BORDER: border::Set = border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

impl Glyphs {
    pub fn border(self) -> border::Set<'static> {
        if self.ascii {
            ASCII_BORDER
        } else {
            border::ROUNDED
        }
    }

    pub fn carrier(self, carrier: Carrier) -> &'static str {
        match (carrier, self.ascii) {
            (Carrier::Gsa, false) => "◆",
            (Carrier::Zscaler, false) => "●",
            (Carrier::GlobalProtect, false) => "▲",
            (Carrier::Direct, false) => "→",
            (Carrier::Local, false) => "·",
            (Carrier::Unknown, false) => "?",
            (Carrier::Gsa, true) => "G",
            (Carrier::Zscaler, true) => "Z",
            (Carrier::GlobalProtect, true) => "P",
            (Carrier::Direct, true) => ">",
            (Carrier::Local, true) => ".",
            (Carrier::Unknown, true) => "?",
        }
    }

    pub fn status(self, status: Status) -> &'static str {
        match (status, self.ascii) {
            (Status::Pass, false) => "✓",
            (Status::Warn, false) => "!",
            (Status::Fail, false) => "✗",
            (Status::Skip, false) => "–",
            (Status::Pass, true) => "+",
            (Status::Warn, true) => "!",
            (Status::Fail, true) => "x",
            (Status::Skip, true) => "-",
        }
    }

    pub fn verdict(self, verdict: Verdict) -> &'static str {
        self.status(match verdict {
            Verdict::Ok => Status::Pass,
            Verdict::Warn => Status::Warn,
            Verdict::Fail => Status::Fail,
        })
    }

    pub fn selection(self) -> &'static str {
        if self.ascii { "> " } else { "▶ " }
    }

    pub fn separator(self) -> &'static str {
        if self.ascii { "|" } else { "│" }
    }

    pub fn ellipsis(self) -> &'static str {
        if self.ascii { "~" } else { "…" }
    }

    pub fn paused(self) -> &'static str {
        if self.ascii { "||" } else { "⏸" }
    }

    pub fn playing(self) -> &'static str {
        if self.ascii { ">" } else { "▶" }
    }
}
