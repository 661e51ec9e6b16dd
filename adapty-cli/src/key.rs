//! The API key: from `--api-key-file` or `ADAPTY_API_KEY`, never from argv, never printed.

use std::ffi::OsString;
use std::path::Path;

use adapty_api::ApiKey;

use crate::Fatal;

/// The environment variable the key is read from when no `--api-key-file` is given.
pub const ENV_VAR: &str = "ADAPTY_API_KEY";

/// Reads the key: from `file` when given, else from [`ENV_VAR`] (`env` is its value, if set).
///
/// Surrounding whitespace (a file's final newline) is dropped. The errors name the file or the
/// variable and what is wrong, never the key or any part of it.
pub fn resolve(file: Option<&Path>, env: Option<OsString>) -> Result<ApiKey, Fatal> {
    let (text, origin) = match file {
        Some(path) => {
            let bytes = std::fs::read(path).map_err(|e| {
                Fatal::new(format!(
                    "cannot read --api-key-file {}: {e}",
                    path.display()
                ))
            })?;
            let text = String::from_utf8(bytes).map_err(|_| {
                Fatal::new(format!(
                    "--api-key-file {}: the key is not UTF-8 text",
                    path.display()
                ))
            })?;
            (text, format!("--api-key-file {}", path.display()))
        }
        None => {
            let Some(value) = env else {
                return Err(Fatal::new(format!(
                    "no API key: set {ENV_VAR} or pass --api-key-file FILE (never the key itself \
                     as an argument)"
                )));
            };
            let text = value
                .into_string()
                .map_err(|_| Fatal::new(format!("{ENV_VAR} is not UTF-8 text")))?;
            (text, ENV_VAR.to_owned())
        }
    };
    let key = text.trim();
    if key.is_empty() {
        return Err(Fatal::new(format!("{origin}: the API key is empty")));
    }
    ApiKey::new(key).map_err(|e| match e {
        // The reason never repeats the key.
        adapty_api::Error::InvalidInput(e) => Fatal::new(format!("{origin}: {}", e.reason())),
        _ => Fatal::new(format!("{origin}: not a valid API key")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "secret_live_RECOGNIZABLE";

    #[test]
    fn the_file_wins_over_the_environment_and_whitespace_is_dropped() {
        let dir = std::env::temp_dir().join(format!("adapty-cli-key-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("key");
        std::fs::write(&file, format!("  {KEY}\n")).expect("write");
        let key = resolve(Some(&file), Some("other".into())).expect("a key");
        assert_eq!(format!("{key:?}"), "ApiKey([REDACTED])");
        assert!(resolve(None, Some(KEY.into())).is_ok());
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn errors_name_the_origin_and_never_the_key() {
        let missing = resolve(None, None).expect_err("no key");
        assert!(missing.to_string().contains(ENV_VAR), "{missing}");
        let empty = resolve(None, Some(" \n".into())).expect_err("empty");
        assert!(empty.to_string().contains("empty"), "{empty}");
        for bad in [
            format!("Api-Key {KEY}"),
            format!("{KEY} tail"),
            format!("{KEY}é"),
        ] {
            let error = resolve(None, Some(bad.clone().into())).expect_err(&bad);
            let text = error.to_string();
            assert!(text.starts_with(ENV_VAR), "{text}");
            assert!(!text.contains("RECOGNIZABLE"), "{text}");
        }
        let unreadable = resolve(Some(Path::new("/nonexistent/key")), None).expect_err("no file");
        assert!(
            unreadable.to_string().contains("/nonexistent/key"),
            "{unreadable}"
        );
    }
}
