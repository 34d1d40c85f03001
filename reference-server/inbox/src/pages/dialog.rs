//! The modal dialog (focus in, Tab kept inside, Escape closes, focus back
//! where it was), the confirmation built on it, and a form's foot.

use crate::i18n::t;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{Element, HtmlElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ModalProps {
    /// The base of the dialog's element ids.
    pub id: AttrValue,
    pub title: AttrValue,
    pub on_close: Callback<()>,
    #[prop_or_default]
    pub text: Option<AttrValue>,
    /// Where focus goes on close when the control that opened the dialog is
    /// gone (a Join button, once joined): a CSS selector, first match wins.
    #[prop_or_default]
    pub return_to: Option<AttrValue>,
    #[prop_or_default]
    pub children: Html,
}

const FOCUSABLE: &str = "input:not([disabled]), select:not([disabled]), textarea:not([disabled]), \
                         button:not([disabled]), a[href]";

fn focusables(panel: &Element) -> Vec<HtmlElement> {
    let Ok(list) = panel.query_selector_all(FOCUSABLE) else {
        return vec![];
    };
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into::<HtmlElement>().ok())
        .collect()
}

/// Escape closes; Tab and Shift+Tab wrap around inside `panel`, and bring
/// back a focus that fell outside it (onto the page, say, when the focused
/// button was removed).
fn on_key(panel: &Element, on_close: &Callback<()>, e: &KeyboardEvent) {
    match e.key().as_str() {
        "Escape" => {
            e.prevent_default();
            on_close.emit(());
        }
        "Tab" => {
            let controls = focusables(panel);
            let (Some(first), Some(last)) = (controls.first(), controls.last()) else {
                return;
            };
            let active = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.active_element());
            let inside = active.as_ref().is_some_and(|a| panel.contains(Some(a)));
            let at = |el: &HtmlElement| active.as_ref().is_some_and(|a| a == el.unchecked_ref::<Element>());
            let target = match (inside, e.shift_key()) {
                (false, false) => first,
                (false, true) => last,
                (true, true) if at(first) => last,
                (true, false) if at(last) => first,
                _ => return,
            };
            e.prevent_default();
            let _ = target.focus();
        }
        _ => {}
    }
}

/// A modal dialog. On open, focus goes to the `data-autofocus` field or the
/// first control; Tab stays inside; Escape closes (listened for on the
/// document, so it works wherever the focus is); on close, focus returns to
/// whatever had it before (the button that opened it), or to `return_to`
/// when that is gone.
#[component]
pub fn Modal(props: &ModalProps) -> Html {
    let panel = use_node_ref();
    let on_close = use_mut_ref(|| props.on_close.clone());
    *on_close.borrow_mut() = props.on_close.clone();
    // Read while the dialog first renders, before any field in it takes the
    // focus: the control that opened it.
    let opener = use_mut_ref(|| {
        web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.active_element())
            .and_then(|e| e.dyn_into::<HtmlElement>().ok())
    });
    {
        let panel = panel.clone();
        let return_to = props.return_to.clone();
        use_effect_with((), move |_| {
            let document = web_sys::window().and_then(|w| w.document());
            let opener = opener.borrow_mut().take();
            if let Some(panel) = panel.cast::<Element>() {
                let preferred = panel
                    .query_selector("[data-autofocus]")
                    .ok()
                    .flatten()
                    .and_then(|e| e.dyn_into::<HtmlElement>().ok());
                if let Some(target) = preferred.or_else(|| focusables(&panel).into_iter().next()) {
                    let _ = target.focus();
                }
            }
            let listener = Closure::<dyn Fn(KeyboardEvent)>::new(move |e: KeyboardEvent| {
                if let Some(panel) = panel.cast::<Element>() {
                    on_key(&panel, &on_close.borrow(), &e);
                }
            });
            if let Some(document) = &document {
                let _ = document.add_event_listener_with_callback("keydown", listener.as_ref().unchecked_ref());
            }
            move || {
                if let Some(document) = &document {
                    let _ = document.remove_event_listener_with_callback("keydown", listener.as_ref().unchecked_ref());
                }
                match opener {
                    Some(opener) if opener.is_connected() => {
                        let _ = opener.focus();
                    }
                    // The page settles first (the composer that replaces a
                    // Join button renders after this dialog goes).
                    _ => {
                        if let (Some(document), Some(selector)) = (document, return_to) {
                            gloo_timers::callback::Timeout::new(0, move || {
                                let target = document
                                    .query_selector(&selector)
                                    .ok()
                                    .flatten()
                                    .and_then(|e| e.dyn_into::<HtmlElement>().ok());
                                if let Some(target) = target {
                                    let _ = target.focus();
                                }
                            })
                            .forget();
                        }
                    }
                }
            }
        });
    }
    let title_id = format!("{}-title", props.id);
    let text_id = format!("{}-text", props.id);
    html! {
        <div class="modal-backdrop">
            <div class="dialog modal" role="dialog" aria-modal="true" aria-labelledby={title_id.clone()}
                aria-describedby={props.text.as_ref().map(|_| text_id.clone())} ref={panel}>
                <h2 id={title_id} class="dialog-title">{ props.title.clone() }</h2>
                if let Some(text) = &props.text {
                    <p id={text_id} class="dialog-text">{ text.clone() }</p>
                }
                { props.children.clone() }
            </div>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct ConfirmProps {
    pub id: AttrValue,
    pub title: AttrValue,
    pub text: AttrValue,
    pub confirm: AttrValue,
    pub busy: bool,
    pub error: Option<String>,
    pub on_confirm: Callback<()>,
    pub on_cancel: Callback<()>,
}

/// "Are you sure?" for a destructive step; Cancel has the focus.
#[component]
pub fn ConfirmDialog(props: &ConfirmProps) -> Html {
    let confirm = {
        let cb = props.on_confirm.clone();
        Callback::from(move |_| cb.emit(()))
    };
    let cancel = {
        let cb = props.on_cancel.clone();
        Callback::from(move |_| cb.emit(()))
    };
    html! {
        <Modal id={props.id.clone()} title={props.title.clone()} text={props.text.clone()} on_close={props.on_cancel.clone()}>
            if let Some(error) = &props.error {
                <p class="form-error" role="alert">{ error.clone() }</p>
            }
            <div class="dialog-actions">
                <button type="button" class="btn btn-ghost" onclick={cancel}>{ t().cancel }</button>
                <button type="button" class="btn btn-danger" aria-disabled={props.busy.to_string()} onclick={confirm}>
                    { props.confirm.clone() }
                </button>
            </div>
        </Modal>
    }
}

/// The foot of a dialog's form: the server's refusal if any, then Cancel
/// and the submit button.
pub fn form_foot(error: Option<String>, submit: &str, busy: bool, on_cancel: &Callback<()>) -> Html {
    let cancel = {
        let cb = on_cancel.clone();
        Callback::from(move |_| cb.emit(()))
    };
    html! {
        <>
            if let Some(error) = error {
                <p class="form-error" role="alert">{ error }</p>
            }
            <div class="dialog-actions">
                <button type="button" class="btn btn-ghost" onclick={cancel}>{ t().cancel }</button>
                <button type="submit" class="btn btn-primary" aria-disabled={busy.to_string()}>{ submit.to_owned() }</button>
            </div>
        </>
    }
}
