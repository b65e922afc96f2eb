//! Themes: TOML files with semantic slots (verdicts, carriers, table header, selection, …).
//! The four built-in themes are embedded from `themes/`; `--theme PATH` loads another file.
//! Unknown slots, missing slots and bad colours are errors naming the file and line.

use std::fmt;
use std::path::Path;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use crate::input_file::{Deadline, read_text};
use crate::knowledge::describe_toml_error;

/// The built-in themes, embedded so that the binary works alone.
pub const BUILT_IN: [(&str, &str); 4] = [
    ("default", include_str!("../../themes/default.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("mono", include_str!("../../themes/mono.toml")),
];

/// One slot's style as written: a colour, or a table of colours and modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Slot(pub Style);

fn color(text: &str) -> Result<Color, String> {
    text.trim().parse::<Color>().map_err(|_| {
        format!(
            "{text:?} is not a colour (a name like \"green\", \"#rrggbb\", 0-255, or \"reset\")"
        )
    })
}

/// A bare integer is a 256-colour index.
fn indexed(v: i64) -> Result<Color, String> {
    u8::try_from(v)
        .map(Color::Indexed)
        .map_err(|_| format!("{v} is not a colour index (0-255)"))
}

/// A colour as a theme may write it: text, or a bare 256-colour index.
#[derive(Deserialize)]
#[serde(untagged)]
enum ColourValue {
    Index(i64),
    Text(String),
}

impl ColourValue {
    fn colour(&self) -> Result<Color, String> {
        match self {
            ColourValue::Index(v) => indexed(*v),
            ColourValue::Text(text) => color(text),
        }
    }
}

impl<'de> Deserialize<'de> for Slot {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Slot, D::Error> {
        struct SlotVisitor;
        impl<'de> Visitor<'de> for SlotVisitor {
            type Value = Slot;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a colour or a table { fg, bg, bold, reversed, underlined, italic }")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Slot, E> {
                Ok(Slot(Style::default().fg(color(v).map_err(E::custom)?)))
            }

            // `carrier_gsa = 200`: the file's own comment offers "an index 0-255".
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Slot, E> {
                Ok(Slot(Style::default().fg(indexed(v).map_err(E::custom)?)))
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Slot, A::Error> {
                let mut style = Style::default();
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "fg" => {
                            let v: ColourValue = map.next_value()?;
                            style = style.fg(v.colour().map_err(de::Error::custom)?);
                        }
                        "bg" => {
                            let v: ColourValue = map.next_value()?;
                            style = style.bg(v.colour().map_err(de::Error::custom)?);
                        }
                        "bold" | "reversed" | "underlined" | "italic" => {
                            let on: bool = map.next_value()?;
                            let modifier = match key.as_str() {
                                "bold" => Modifier::BOLD,
                                "reversed" => Modifier::REVERSED,
                                "underlined" => Modifier::UNDERLINED,
                                _ => Modifier::ITALIC,
                            };
                            if on {
                                style = style.add_modifier(modifier);
                            }
                        }
                        other => {
                            return Err(de::Error::unknown_field(
                                other,
                                &["fg", "bg", "bold", "reversed", "underlined", "italic"],
                            ));
                        }
                    }
                }
                Ok(Slot(style))
            }
        }
        deserializer.deserialize_any(SlotVisitor)
    }
}

/// Every slot a theme must set.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Slots {
    pub text: Slot,
    pub muted: Slot,
    pub border: Slot,
    pub title: Slot,
    pub header: Slot,
    pub tab: Slot,
    pub tab_active: Slot,
    pub table_header: Slot,
    pub selection: Slot,
    pub group: Slot,
    pub key: Slot,
    pub verdict_ok: Slot,
    pub verdict_warn: Slot,
    pub verdict_fail: Slot,
    pub status_skip: Slot,
    pub alert: Slot,
    pub alert_fail: Slot,
    pub notice: Slot,
    pub carrier_gsa: Slot,
    pub carrier_zscaler: Slot,
    pub carrier_globalprotect: Slot,
    pub carrier_direct: Slot,
    pub carrier_local: Slot,
    pub carrier_unknown: Slot,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    name: String,
    slots: Slots,
}

#[derive(Debug, Clone)]
pub struct Theme {
    pub name: String,
    pub slots: Slots,
}

#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    /// The file could not be read (the reason, naming it).
    #[error("{0}")]
    Read(String),
    #[error("malformed theme {origin}: {message}")]
    Parse { origin: String, message: String },
    #[error(
        "unknown theme {0:?}: built-in themes are default, light, high-contrast and mono, and there is no file of that name"
    )]
    Unknown(String),
}

impl Default for Theme {
    fn default() -> Self {
        Theme::built_in("default").unwrap_or_else(|_| Theme {
            name: "default".into(),
            slots: Slots::default(),
        })
    }
}

impl Theme {
    pub fn parse(text: &str, origin: &str) -> Result<Theme, ThemeError> {
        let file: ThemeFile = toml::from_str(text).map_err(|e| ThemeError::Parse {
            origin: origin.to_string(),
            message: describe_toml_error(text, &e),
        })?;
        Ok(Theme {
            name: file.name,
            slots: file.slots,
        })
    }

    pub fn built_in(name: &str) -> Result<Theme, ThemeError> {
        let (_, text) = BUILT_IN
            .iter()
            .find(|(n, _)| *n == name)
            .ok_or_else(|| ThemeError::Unknown(name.to_string()))?;
        Self::parse(text, &format!("built-in theme {name}"))
    }

    /// A theme file, read as every input file is (a regular file, by the deadline).
    pub(crate) fn load(path: &Path, deadline: &Deadline) -> Result<Theme, ThemeError> {
        let text =
            read_text(path, "theme file", deadline).map_err(|e| ThemeError::Read(e.to_string()))?;
        Self::parse(&text, &path.display().to_string())
    }

    /// `--theme NAME|PATH`; without it, `mono` when colour is off (`NO_COLOR`, a terminal
    /// without colour), else `default`.
    pub(crate) fn select(
        option: Option<&str>,
        no_color: bool,
        deadline: &Deadline,
    ) -> Result<Theme, ThemeError> {
        match option {
            Some(value) => {
                if BUILT_IN.iter().any(|(n, _)| *n == value) {
                    return Self::built_in(value);
                }
                let path = Path::new(value);
                if path.exists() || value.contains(['/', '\\']) || value.ends_with(".toml") {
                    Self::load(path, deadline)
                } else {
                    Err(ThemeError::Unknown(value.to_string()))
                }
            }
            None if no_color => Self::built_in("mono"),
            None => Self::built_in("default"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_theme_parses() {
        for (name, _) in BUILT_IN {
            let theme = Theme::built_in(name).unwrap();
            assert_eq!(theme.name, name);
        }
    }

    #[test]
    fn colours_and_modifiers_reach_the_slot() {
        let theme = Theme::built_in("default").unwrap();
        assert_eq!(theme.slots.verdict_fail.0.fg, Some(Color::LightRed));
        assert!(
            theme
                .slots
                .verdict_fail
                .0
                .add_modifier
                .contains(Modifier::BOLD)
        );
        assert_eq!(theme.slots.header.0.bg, Some(Color::Blue));
    }

    #[test]
    fn mono_has_no_colour_at_all() {
        let theme = Theme::built_in("mono").unwrap();
        let slots = &theme.slots;
        for slot in [
            slots.text,
            slots.verdict_ok,
            slots.verdict_fail,
            slots.selection,
            slots.carrier_gsa,
            slots.alert,
            slots.header,
        ] {
            assert!(matches!(slot.0.fg, None | Some(Color::Reset)), "{slot:?}");
            assert!(matches!(slot.0.bg, None | Some(Color::Reset)), "{slot:?}");
        }
    }

    fn deadline() -> Deadline {
        Deadline::after(std::time::Duration::from_secs(5))
    }

    #[test]
    fn no_color_selects_mono_unless_a_theme_is_given() {
        let d = deadline();
        assert_eq!(Theme::select(None, true, &d).unwrap().name, "mono");
        assert_eq!(Theme::select(None, false, &d).unwrap().name, "default");
        assert_eq!(
            Theme::select(Some("light"), true, &d).unwrap().name,
            "light"
        );
    }

    #[test]
    fn a_bare_integer_is_a_256_colour_index_as_the_theme_files_say() {
        let text = BUILT_IN[0]
            .1
            .replace("border = \"darkgray\"", "border = 200")
            .replace(
                "carrier_gsa = \"lightblue\"",
                "carrier_gsa = { fg = 33, bg = 0 }",
            );
        let theme = Theme::parse(&text, "my.toml").unwrap();
        assert_eq!(theme.slots.border.0.fg, Some(Color::Indexed(200)));
        assert_eq!(theme.slots.carrier_gsa.0.fg, Some(Color::Indexed(33)));
        assert_eq!(theme.slots.carrier_gsa.0.bg, Some(Color::Indexed(0)));
        let out_of_range = BUILT_IN[0]
            .1
            .replace("border = \"darkgray\"", "border = 256");
        let err = Theme::parse(&out_of_range, "my.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("256 is not a colour index (0-255)"), "{err}");
    }

    #[test]
    fn an_unknown_slot_is_an_error_with_its_line() {
        let text = BUILT_IN[0].1.replace("muted = ", "mutted = ");
        let line = text.lines().position(|l| l.starts_with("mutted")).unwrap() + 1;
        let err = Theme::parse(&text, "my.toml").unwrap_err().to_string();
        assert!(err.contains("my.toml"), "{err}");
        assert!(err.contains("mutted"), "{err}");
        assert!(err.contains(&format!("line {line}")), "{err}");
    }

    #[test]
    fn a_bad_colour_is_an_error_with_its_line() {
        let text = BUILT_IN[0]
            .1
            .replace("border = \"darkgray\"", "border = \"plaid\"");
        let line = text.lines().position(|l| l.contains("plaid")).unwrap() + 1;
        let err = Theme::parse(&text, "my.toml").unwrap_err().to_string();
        assert!(err.contains("plaid"), "{err}");
        assert!(err.contains(&format!("line {line}")), "{err}");
    }

    #[test]
    fn a_missing_slot_is_an_error() {
        let text: String = BUILT_IN[0]
            .1
            .lines()
            .filter(|l| !l.starts_with("carrier_gsa"))
            .collect::<Vec<_>>()
            .join("\n");
        let err = Theme::parse(&text, "my.toml").unwrap_err().to_string();
        assert!(err.contains("carrier_gsa"), "{err}");
    }

    #[test]
    fn an_unknown_name_is_an_error() {
        let err = Theme::select(Some("solarized"), false, &deadline())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("solarized") && err.contains("high-contrast"),
            "{err}"
        );
    }
}
