//! Baton's visitor chat widget.
//!
//! - [`machine`] — the connection machine (sans-io): outbox, resume cursor,
//!   backoff. Native unit tests drive it with scripted frames and time.
//! - [`state`] — what the widget shows, as a pure reducer.
//! - `web` (wasm32 only) — the driver that owns the WebSocket, timers and
//!   storage, and the Yew components, which take only props and callbacks.

pub mod machine;
pub mod state;

#[cfg(target_arch = "wasm32")]
mod web;

// The string tables are plain Rust: their tests run natively too.
#[cfg(all(test, not(target_arch = "wasm32")))]
#[allow(dead_code)]
#[path = "web/strings.rs"]
mod strings;

// Smaller than the default allocator (dlmalloc) by about 2 KB gzip.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
