//! Baton's operator live inbox: a Yew app compiled to WebAssembly and served
//! by the reference server at `/inbox/`.
//!
//! - [`state`] — the pure reducer the whole UI renders from.
//! - [`i18n`] — every string the operator sees, English and Arabic.
//! - [`format`] — pure text helpers (relative times, badges, log lines).
//! - [`machine`] — the connection machine: outbox, cursors, link timing.
//! - [`keys`] — the keyboard shortcuts: the one table the keys and the `?` help read.
//! - [`shortcuts`] — saved replies in the composer: `/word`, matches, placeholders.
//! - [`marks`] — the format bar: marks put around (or taken off) the selection.
//! - `connection` — the only code that touches the WebSocket.
//! - [`pages`] — the admin and personal pages (team, profile, settings,
//!   notifications) beside the live inbox.
//! - `api` — the HTTP routes: sign-in and the pages' JSON.
//! - `hotkeys`, `back` — the shortcuts' listener; the way back to the list.
//! - `app`, `inbox`, `components` — the Yew UI; components take props and
//!   callbacks only.

pub mod compose;
pub mod format;
pub mod i18n;
pub mod keys;
pub mod machine;
pub mod marks;
pub mod pages;
pub mod shortcuts;
pub mod state;

#[cfg(target_arch = "wasm32")]
mod api;
#[cfg(target_arch = "wasm32")]
mod app;
#[cfg(target_arch = "wasm32")]
mod back;
#[cfg(target_arch = "wasm32")]
mod browser;
#[cfg(target_arch = "wasm32")]
mod components;
#[cfg(target_arch = "wasm32")]
mod connection;
#[cfg(target_arch = "wasm32")]
mod hotkeys;
#[cfg(target_arch = "wasm32")]
mod inbox;

/// Renders the inbox into `#baton-inbox`.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    let root = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("baton-inbox"));
    browser::apply_language();
    if let Some(root) = root {
        yew::Renderer::<app::App>::with_root(root).render();
    }
}
