//! Themes (work in progress: see issue 3).

#[derive(Debug, Clone, Default)]
pub struct Theme;

impl Theme {
    pub fn from_options(_name: Option<&str>) -> Result<Theme, String> {
        Ok(Theme)
    }
}
