//! Building blocks the pages share: labelled fields with their errors
//! linked for screen readers, switches, avatar bubbles and swatches, the
//! loading and failed states. Hooks and dialogs live in `hooks` and `dialog`;
//! they are re-exported here so a page imports from one place.

pub use super::dialog::{ConfirmDialog, Modal, form_foot};
pub use super::hooks::{Load, Loaded, use_dialogs, use_load, use_request};

use super::forms::{self, is_hex_colour};
use crate::i18n::{fill, t};
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

/// A callback that sets a text state.
pub fn setter(state: &UseStateHandle<String>) -> Callback<String> {
    let state = state.clone();
    Callback::from(move |text: String| state.set(text))
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
            <textarea id={id.clone()} rows="3" dir="auto" value={props.value.clone()} {oninput}
                disabled={props.disabled} readonly={props.readonly}
                aria-invalid={invalid.to_string()} aria-describedby={describedby}
                data-autofocus={autofocus} />
        }
    } else {
        html! {
            <input id={id.clone()} type={props.kind.clone()} dir="auto" value={props.value.clone()} {oninput}
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
            aria-label={fill(t().colour_label, &[&props.colour])} title={props.colour.clone()}
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
            <p class="page-state-title">{ t().page_load_failed }</p>
            <p class="page-state-text">{ props.message.clone() }</p>
            <button type="button" class="btn btn-secondary" {onclick}>{ t().try_again }</button>
        </div>
    }
}

/// The spinner shown while a page loads.
pub fn loading() -> Html {
    html! {
        <div class="page-state" aria-busy="true">
            <div class="spinner" aria-hidden="true"></div>
            <p class="page-state-text">{ t().loading }</p>
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
