//! Building blocks the pages share: labelled fields with their errors
//! linked for screen readers, switches, the modal dialog (focus in, Tab
//! kept inside, Escape closes, focus back where it was), avatar bubbles.

use super::forms::{self, is_hex_colour};
use crate::api::ApiError;
use std::future::Future;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

/// What a page shows while its data loads.
#[derive(Clone, Debug, PartialEq)]
pub enum Load<T> {
    Loading,
    Failed(String),
    Ready(T),
}

/// A page's data from the server, and a way to fetch it again.
pub struct Loaded<T> {
    pub data: UseStateHandle<Load<T>>,
    pub refresh: Callback<()>,
}

/// Loads with `loader` on mount and again on each `refresh`.
#[hook]
pub fn use_load<T, F, Fut>(loader: F) -> Loaded<T>
where
    T: 'static,
    F: FnOnce() -> Fut + 'static,
    Fut: Future<Output = Result<T, ApiError>> + 'static,
{
    let data = use_state(|| Load::Loading);
    let reload = use_state(|| 0u32);
    {
        let data = data.clone();
        use_effect_with(*reload, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                data.set(match loader().await {
                    Ok(value) => Load::Ready(value),
                    Err(e) => Load::Failed(e.message),
                });
            });
        });
    }
    let refresh = Callback::from(move |()| reload.set(*reload + 1));
    Loaded { data, refresh }
}

/// The dialog a list page has open, and what closing it means.
pub struct Dialogs<D: 'static> {
    pub open: UseStateHandle<Option<D>>,
    pub close: Callback<()>,
    /// Closes, reloads the list and shows the sentence as a notice.
    pub done: Callback<String>,
}

impl<D: Clone + 'static> Dialogs<D> {
    /// A click that opens `dialog`.
    pub fn opener(&self, dialog: D) -> Callback<MouseEvent> {
        let open = self.open.clone();
        Callback::from(move |_| open.set(Some(dialog.clone())))
    }
}

#[hook]
pub fn use_dialogs<D: 'static>(refresh: Callback<()>, on_notify: Callback<String>) -> Dialogs<D> {
    let open = use_state(|| None::<D>);
    let close = {
        let open = open.clone();
        Callback::from(move |()| open.set(None))
    };
    let done = {
        let open = open.clone();
        Callback::from(move |text: String| {
            open.set(None);
            refresh.emit(());
            on_notify.emit(text);
        })
    };
    Dialogs { open, close, done }
}

/// A request started from a form or dialog: busy while it runs, its refusal
/// kept to show.
#[derive(Clone)]
pub struct Request {
    pub busy: UseStateHandle<bool>,
    pub failed: UseStateHandle<Option<ApiError>>,
}

impl Request {
    /// Runs `request` unless one is running; its sentence goes to `on_ok`.
    pub fn run<F>(&self, request: F, on_ok: Callback<String>)
    where
        F: Future<Output = Result<String, ApiError>> + 'static,
    {
        if *self.busy {
            return;
        }
        self.busy.set(true);
        self.failed.set(None);
        let (busy, failed) = (self.busy.clone(), self.failed.clone());
        wasm_bindgen_futures::spawn_local(async move {
            let result = request.await;
            busy.set(false);
            match result {
                Ok(text) => on_ok.emit(text),
                Err(e) => failed.set(Some(e)),
            }
        });
    }

    /// The refusal's sentence, unless its code is one of `except` (shown
    /// next to a field instead).
    pub fn message(&self, except: &str) -> Option<String> {
        self.failed
            .as_ref()
            .filter(|e| e.code != except)
            .map(|e| e.message.clone())
    }

    /// The refusal's sentence if its code is `code`.
    pub fn message_if(&self, code: &str) -> Option<String> {
        self.failed
            .as_ref()
            .filter(|e| e.code == code)
            .map(|e| e.message.clone())
    }
}

#[hook]
pub fn use_request() -> Request {
    Request {
        busy: use_state(|| false),
        failed: use_state(|| None),
    }
}

/// A callback that sets a text state.
pub fn setter(state: &UseStateHandle<String>) -> Callback<String> {
    let state = state.clone();
    Callback::from(move |text: String| state.set(text))
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
                <button type="button" class="btn btn-ghost" onclick={cancel}>{ "Cancel" }</button>
                <button type="button" class="btn btn-danger" disabled={props.busy} onclick={confirm}>
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
                <button type="button" class="btn btn-ghost" onclick={cancel}>{ "Cancel" }</button>
                <button type="submit" class="btn btn-primary" disabled={busy}>{ submit.to_owned() }</button>
            </div>
        </>
    }
}

/// The text of an `<input>` or `<textarea>` event.
pub fn input_text(e: &InputEvent) -> String {
    let target = e.target();
    if let Some(area) = target.clone().and_then(|t| t.dyn_into::<HtmlTextAreaElement>().ok()) {
        return area.value();
    }
    target
        .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
        .map(|i| i.value())
        .unwrap_or_default()
}

/// `aria-describedby` for a field with an optional hint and error.
fn described_by(id: &str, hint: bool, error: bool) -> Option<AttrValue> {
    let ids: Vec<String> = [(hint, "hint"), (error, "error")]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, part)| format!("{id}-{part}"))
        .collect();
    (!ids.is_empty()).then(|| ids.join(" ").into())
}

#[derive(Properties, PartialEq)]
pub struct TextFieldProps {
    pub id: AttrValue,
    pub label: AttrValue,
    pub value: AttrValue,
    pub oninput: Callback<String>,
    #[prop_or_default]
    pub error: Option<String>,
    #[prop_or_default]
    pub hint: Option<AttrValue>,
    #[prop_or_default]
    pub disabled: bool,
    #[prop_or_default]
    pub readonly: bool,
    /// The input's `type`.
    #[prop_or(AttrValue::Static("text"))]
    pub kind: AttrValue,
    #[prop_or(AttrValue::Static("off"))]
    pub autocomplete: AttrValue,
    #[prop_or_default]
    pub multiline: bool,
    /// Focused first when the field opens in a dialog.
    #[prop_or_default]
    pub autofocus: bool,
    /// Shown beside the input (a "Generate" button, a unit menu…).
    #[prop_or_default]
    pub children: Html,
    #[prop_or_default]
    pub class: Classes,
}

#[component]
pub fn TextField(props: &TextFieldProps) -> Html {
    let id = props.id.clone();
    let invalid = props.error.is_some();
    let describedby = described_by(&id, props.hint.is_some(), invalid);
    let oninput = {
        let cb = props.oninput.clone();
        Callback::from(move |e: InputEvent| cb.emit(input_text(&e)))
    };
    let autofocus = props.autofocus.then_some(AttrValue::Static("true"));
    let control = if props.multiline {
        html! {
            <textarea id={id.clone()} rows="3" value={props.value.clone()} {oninput}
                disabled={props.disabled} readonly={props.readonly}
                aria-invalid={invalid.to_string()} aria-describedby={describedby}
                data-autofocus={autofocus} />
        }
    } else {
        html! {
            <input id={id.clone()} type={props.kind.clone()} value={props.value.clone()} {oninput}
                autocomplete={props.autocomplete.clone()} spellcheck="false"
                disabled={props.disabled} readonly={props.readonly}
                aria-invalid={invalid.to_string()} aria-describedby={describedby}
                data-autofocus={autofocus} />
        }
    };
    html! {
        <div class={classes!("field", props.class.clone())}>
            <label for={id.clone()}>{ props.label.clone() }</label>
            <div class="input-row">{ control }{ props.children.clone() }</div>
            if let Some(hint) = &props.hint {
                <p class="field-hint" id={format!("{id}-hint")}>{ hint.clone() }</p>
            }
            if let Some(error) = &props.error {
                <p class="field-error" id={format!("{id}-error")}>{ error.clone() }</p>
            }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct SwitchProps {
    pub id: AttrValue,
    pub label: AttrValue,
    pub checked: bool,
    pub onchange: Callback<bool>,
    #[prop_or_default]
    pub hint: Option<AttrValue>,
    #[prop_or_default]
    pub disabled: bool,
}

/// A checkbox shown as a switch, its label and hint beside it.
#[component]
pub fn Switch(props: &SwitchProps) -> Html {
    let id = props.id.clone();
    let onchange = {
        let cb = props.onchange.clone();
        Callback::from(move |e: Event| cb.emit(e.target_unchecked_into::<HtmlInputElement>().checked()))
    };
    html! {
        <div class="switch-field">
            <input id={id.clone()} type="checkbox" class="switch" role="switch" checked={props.checked}
                disabled={props.disabled} {onchange}
                aria-describedby={props.hint.as_ref().map(|_| format!("{id}-hint"))} />
            <div class="switch-text">
                <label for={id.clone()}>{ props.label.clone() }</label>
                if let Some(hint) = &props.hint {
                    <p class="field-hint" id={format!("{id}-hint")}>{ hint.clone() }</p>
                }
            </div>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct ModalProps {
    /// The base of the dialog's element ids.
    pub id: AttrValue,
    pub title: AttrValue,
    pub on_close: Callback<()>,
    #[prop_or_default]
    pub text: Option<AttrValue>,
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

/// A modal dialog. On open, focus goes to the `data-autofocus` field or the
/// first control; Tab stays inside; Escape closes; on close, focus returns
/// to whatever had it before (the button that opened it).
#[component]
pub fn Modal(props: &ModalProps) -> Html {
    let panel = use_node_ref();
    {
        let panel = panel.clone();
        use_effect_with((), move |_| {
            let document = web_sys::window().and_then(|w| w.document());
            let opener = document
                .and_then(|d| d.active_element())
                .and_then(|e| e.dyn_into::<HtmlElement>().ok());
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
            move || {
                if let Some(opener) = opener {
                    let _ = opener.focus();
                }
            }
        });
    }
    let onkeydown = {
        let (panel, on_close) = (panel.clone(), props.on_close.clone());
        Callback::from(move |e: KeyboardEvent| match e.key().as_str() {
            "Escape" => {
                e.prevent_default();
                on_close.emit(());
            }
            "Tab" => {
                let Some(panel) = panel.cast::<Element>() else { return };
                let controls = focusables(&panel);
                let (Some(first), Some(last)) = (controls.first(), controls.last()) else {
                    return;
                };
                let active = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.active_element());
                let at = |el: &HtmlElement| active.as_ref().is_some_and(|a| a == el.unchecked_ref::<Element>());
                if e.shift_key() && at(first) {
                    e.prevent_default();
                    let _ = last.focus();
                } else if !e.shift_key() && at(last) {
                    e.prevent_default();
                    let _ = first.focus();
                }
            }
            _ => {}
        })
    };
    let title_id = format!("{}-title", props.id);
    let text_id = format!("{}-text", props.id);
    html! {
        <div class="modal-backdrop">
            <div class="dialog modal" role="dialog" aria-modal="true" aria-labelledby={title_id.clone()}
                aria-describedby={props.text.as_ref().map(|_| text_id.clone())} ref={panel} {onkeydown}>
                <h2 id={title_id} class="dialog-title">{ props.title.clone() }</h2>
                if let Some(text) = &props.text {
                    <p id={text_id} class="dialog-text">{ text.clone() }</p>
                }
                { props.children.clone() }
            </div>
        </div>
    }
}

/// Paints an element's background with `colour` through the CSSOM (the
/// inbox's CSP forbids `style` attributes); an invalid or absent colour
/// leaves the stylesheet's.
#[hook]
pub fn use_paint(node: NodeRef, colour: Option<String>) {
    use_effect_with(colour, move |colour| {
        if let Some(el) = node.cast::<HtmlElement>() {
            let style = el.style();
            match colour.as_deref().filter(|c| is_hex_colour(c)) {
                Some(c) => {
                    let _ = style.set_property("background-color", c);
                    let _ = style.set_property("color", "#fff");
                }
                None => {
                    let _ = style.remove_property("background-color");
                    let _ = style.remove_property("color");
                }
            }
        }
    });
}

#[derive(Properties, PartialEq)]
pub struct BubbleProps {
    pub name: AttrValue,
    #[prop_or_default]
    pub colour: Option<String>,
    #[prop_or_default]
    pub large: bool,
}

/// An operator's avatar: their initial on their colour.
#[component]
pub fn Bubble(props: &BubbleProps) -> Html {
    let node = use_node_ref();
    use_paint(node.clone(), props.colour.clone());
    html! {
        <span ref={node} class={classes!("avatar", props.large.then_some("avatar-large"))} aria-hidden="true">
            { crate::components::initial(&props.name) }
        </span>
    }
}

#[derive(Properties, PartialEq)]
pub struct SwatchProps {
    pub colour: AttrValue,
    pub selected: bool,
    pub disabled: bool,
    pub onclick: Callback<String>,
}

/// One colour choice; `aria-pressed` tells which is picked.
#[component]
pub fn Swatch(props: &SwatchProps) -> Html {
    let node = use_node_ref();
    use_paint(node.clone(), Some(props.colour.to_string()));
    let onclick = {
        let (cb, colour) = (props.onclick.clone(), props.colour.to_string());
        Callback::from(move |_| cb.emit(colour.clone()))
    };
    html! {
        <button type="button" ref={node} class="swatch" aria-pressed={props.selected.to_string()}
            aria-label={format!("Colour {}", props.colour)} title={props.colour.clone()}
            disabled={props.disabled} {onclick}></button>
    }
}

#[derive(Properties, PartialEq)]
pub struct LoadFailedProps {
    pub message: String,
    pub on_retry: Callback<()>,
}

/// A page whose data did not load: the reason and a retry.
#[component]
pub fn LoadFailed(props: &LoadFailedProps) -> Html {
    let onclick = {
        let cb = props.on_retry.clone();
        Callback::from(move |_| cb.emit(()))
    };
    html! {
        <div class="page-state" role="alert">
            <p class="page-state-title">{ "Could not load this page" }</p>
            <p class="page-state-text">{ props.message.clone() }</p>
            <button type="button" class="btn btn-secondary" {onclick}>{ "Try again" }</button>
        </div>
    }
}

/// The spinner shown while a page loads.
pub fn loading() -> Html {
    html! {
        <div class="page-state" aria-busy="true">
            <div class="spinner" aria-hidden="true"></div>
            <p class="page-state-text">{ "Loading…" }</p>
        </div>
    }
}

/// A fresh random password from the browser's cryptographic generator.
pub fn generate_password() -> Option<String> {
    let crypto = web_sys::window()?.crypto().ok()?;
    (0..4).find_map(|_| {
        let mut bytes = [0u8; 64];
        crypto.get_random_values_with_u8_array(&mut bytes).ok()?;
        forms::password_from_bytes(&bytes)
    })
}
