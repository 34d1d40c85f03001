//! Listens for the keyboard shortcuts (`keys`) on the document and hands
//! each to whoever handles it. Several components listen: the inbox (the
//! list, help, back) and the open conversation (join, reply, saved replies,
//! resolve); a handled key is `preventDefault`ed, so the others skip it.
//!
//! Nothing fires while a modal dialog is open (its own keys rule there), nor
//! for a key something else already handled (the header menu's Escape).

use crate::keys::{KeyAction, Press, action_for};
use crate::state::View;
use baton_protocol::ConversationId;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{Element, HtmlElement};
use yew::prelude::*;

/// The focus is somewhere typing goes: a text field, a select, an editor.
fn typing_in(target: Option<web_sys::EventTarget>) -> bool {
    let Some(el) = target.and_then(|t| t.dyn_into::<Element>().ok()) else {
        return false;
    };
    let editable = el
        .dyn_ref::<HtmlElement>()
        .is_some_and(HtmlElement::is_content_editable);
    editable || matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
}

fn modal_open() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector("[aria-modal='true']").ok().flatten())
        .is_some()
}

/// Calls `handle` with each shortcut pressed; it answers whether it acted.
/// The latest `handle` is used, so it may read the latest props.
#[hook]
pub fn use_hotkeys(handle: impl Fn(KeyAction) -> bool + 'static) {
    let current = use_mut_ref(|| None::<Rc<dyn Fn(KeyAction) -> bool>>);
    *current.borrow_mut() = Some(Rc::new(handle));
    use_effect_with((), move |_| {
        let listener = Closure::<dyn Fn(KeyboardEvent)>::new(move |e: KeyboardEvent| {
            if e.default_prevented() || e.is_composing() || modal_open() {
                return;
            }
            let (key, code) = (e.key(), e.code());
            let press = Press {
                key: &key,
                code: &code,
                alt: e.alt_key(),
                ctrl: e.ctrl_key(),
                meta: e.meta_key(),
                in_field: typing_in(e.target()),
            };
            let Some(action) = action_for(&press) else {
                return;
            };
            let handle = current.borrow().clone();
            if handle.is_some_and(|handle| handle(action)) {
                e.prevent_default();
            }
        });
        let document = web_sys::window().and_then(|w| w.document());
        if let Some(document) = &document {
            let _ = document.add_event_listener_with_callback("keydown", listener.as_ref().unchecked_ref());
        }
        move || {
            if let Some(document) = &document {
                let _ = document.remove_event_listener_with_callback("keydown", listener.as_ref().unchecked_ref());
            }
        }
    });
}

/// What the inbox's own shortcuts (the list, help, back) act on.
pub struct ListKeys {
    /// The rows `j` and `k` open, and the request `n` opens.
    pub next: Option<ConversationId>,
    pub previous: Option<ConversationId>,
    pub waiting: Option<ConversationId>,
    /// The list's view, or `None` while a page is shown.
    pub view: Option<View>,
    /// A conversation is on screen (Esc closes it).
    pub showing: bool,
    pub on_select: Callback<ConversationId>,
    pub on_view: Callback<View>,
    pub on_close: Callback<()>,
    pub on_help: Callback<()>,
}

/// The inbox's shortcuts; the open conversation listens for its own.
#[hook]
pub fn use_list_keys(keys: ListKeys) {
    use_hotkeys(move |action| {
        let open = |target: &Option<ConversationId>| match target {
            Some(id) => {
                keys.on_select.emit(id.clone());
                true
            }
            None => false,
        };
        match action {
            KeyAction::Help => {
                keys.on_help.emit(());
                true
            }
            KeyAction::NextChat if keys.view.is_some() => open(&keys.next),
            KeyAction::PreviousChat if keys.view.is_some() => open(&keys.previous),
            KeyAction::NextWaiting => {
                // Shown where it is listed.
                if keys.waiting.is_some() && !matches!(keys.view, Some(View::Waiting | View::Open)) {
                    keys.on_view.emit(View::Waiting);
                }
                open(&keys.waiting)
            }
            KeyAction::Back if keys.showing => {
                keys.on_close.emit(());
                true
            }
            _ => false,
        }
    });
}

/// Focuses the first element `selector` matches; whether there was one.
pub fn focus(selector: &str) -> bool {
    let target = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector(selector).ok().flatten())
        .and_then(|e| e.dyn_into::<HtmlElement>().ok());
    target.is_some_and(|t| t.focus().is_ok())
}
