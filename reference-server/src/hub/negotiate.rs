//! What a `hello` negotiates: protocol version, features, and the
//! visitor's country from their locale or a proxy header.

use super::*;

/// The region of a BCP 47 locale (`en-GB` → `GB`), if it names one.
pub fn country_from_locale(locale: &str) -> Option<String> {
    locale
        .split(['-', '_'])
        .skip(1)
        .find(|part| part.len() == 2 && part.chars().all(|c| c.is_ascii_alphabetic()))
        .map(|part| part.to_ascii_uppercase())
}

/// A two-letter country code from a proxy header (`XX`, `T1` and the like
/// mean "unknown" to the proxies that send them).
pub fn country_from_header(value: &str) -> Option<String> {
    let code = value.trim().to_ascii_uppercase();
    (code.len() == 2 && code.chars().all(|c| c.is_ascii_uppercase()) && code != "XX").then_some(code)
}

pub(super) fn unsupported_version() -> ErrorBody {
    let mut err = ErrorBody::new(
        ErrorCode::UnsupportedVersion,
        format!("this server speaks protocol versions {SUPPORTED_VERSIONS:?}"),
    );
    err.supported_versions = SUPPORTED_VERSIONS.to_vec();
    err
}

pub(super) fn common_features(offered: &[String]) -> Vec<String> {
    baton_protocol::FEATURES
        .iter()
        .filter(|f| offered.iter().any(|o| o == *f))
        .map(|f| (*f).to_owned())
        .collect()
}
