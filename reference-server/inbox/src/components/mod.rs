//! UI components. Each takes props and callbacks only: no socket, no
//! global state.

pub mod composer;
pub mod conversation_list;
pub mod conversation_view;
pub mod dialogs;
pub mod format_bar;
pub mod header;
pub mod help;
pub mod language;
pub mod left_message;
pub mod message_log;
pub mod notes;
pub mod reply_tools;
pub mod saved_replies;
pub mod sidebar;
pub mod sign_in;
pub mod toast;

use baton_protocol::Timestamp;

/// A timestamp as local wall-clock time, e.g. "14:05".
pub fn clock_time(at: Timestamp) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at.0 as f64));
    format!("{:02}:{:02}", date.get_hours(), date.get_minutes())
}

/// A timestamp as a full local date and time, for `title` tooltips.
pub fn full_time(at: Timestamp) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at.0 as f64));
    String::from(date.to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED))
}

/// The first letter of a name, for avatars.
pub fn initial(name: &str) -> String {
    name.chars()
        .find(|c| c.is_alphanumeric())
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_else(|| "?".into())
}
