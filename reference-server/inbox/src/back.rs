//! The way back from a conversation to the list, the same on every screen:
//! opening a conversation (from none) adds one browser history entry, so
//! the browser's Back, the app's Back button, Esc and × all return to the
//! list — on a phone, where the two are separate screens, and on a desktop
//! alike. Switching between conversations adds no entries.

use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;
use wasm_bindgen::closure::Closure;
use yew::prelude::*;

/// The history state that marks "a conversation is open".
const MARK: &str = "baton-conversation";

fn history() -> Option<web_sys::History> {
    web_sys::window().and_then(|w| w.history().ok())
}

fn marked() -> bool {
    history()
        .and_then(|h| h.state().ok())
        .and_then(|s| s.as_string())
        .is_some_and(|s| s == MARK)
}

/// Keeps the history entry in step with `open`; calls `deselect` when the
/// browser goes back while a conversation is open. Returns the callback that
/// closes the conversation (by going back when the entry is ours).
#[hook]
pub fn use_back_to_list(open: bool, deselect: Callback<()>) -> Callback<()> {
    let latest = use_mut_ref(|| (open, deselect.clone()));
    *latest.borrow_mut() = (open, deselect.clone());
    {
        let latest = latest.clone();
        use_effect_with((), move |_| {
            // A reload keeps the state of the entry it reloaded; no
            // conversation is open after one.
            if marked() {
                if let Some(h) = history() {
                    let _ = h.replace_state(&JsValue::NULL, "");
                }
            }
            let listener = Closure::<dyn Fn(web_sys::Event)>::new(move |_| {
                let (open, deselect) = latest.borrow().clone();
                if open {
                    deselect.emit(());
                }
            });
            let window = web_sys::window();
            if let Some(w) = &window {
                let _ = w.add_event_listener_with_callback("popstate", listener.as_ref().unchecked_ref());
            }
            move || {
                if let Some(w) = &window {
                    let _ = w.remove_event_listener_with_callback("popstate", listener.as_ref().unchecked_ref());
                }
            }
        });
    }
    use_effect_with(open, |open| {
        match (*open, marked(), history()) {
            (true, false, Some(h)) => {
                let _ = h.push_state(&JsValue::from_str(MARK), "");
            }
            // Closed some other way (a settings page opened): drop the entry.
            (false, true, Some(h)) => {
                let _ = h.back();
            }
            _ => {}
        }
    });
    Callback::from(move |()| match history() {
        Some(h) if marked() => {
            let _ = h.back();
        }
        _ => deselect.emit(()),
    })
}
