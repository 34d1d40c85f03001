//! A dismissable notice for server errors.

use crate::state::Toast;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ToastProps {
    pub toast: Option<Toast>,
    pub on_dismiss: Callback<u64>,
}

#[component]
pub fn ToastView(props: &ToastProps) -> Html {
    let Some(toast) = &props.toast else {
        return html! {};
    };
    let onclick = {
        let (id, on_dismiss) = (toast.id, props.on_dismiss.clone());
        Callback::from(move |_| on_dismiss.emit(id))
    };
    html! {
        <div class="toast-region">
            <div class="toast" role="status">
                <span class="toast-icon" aria-hidden="true">{ "!" }</span>
                <span class="toast-message">{ toast.message.clone() }</span>
                <button type="button" class="toast-close" aria-label="Dismiss" {onclick}>{ "×" }</button>
            </div>
        </div>
    }
}
