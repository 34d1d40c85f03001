//! Notices: the alert stack (a help request, a transfer to me…, each with a
//! button that opens the chat), one error notice, and the first-load banner
//! asking to enable browser notifications.

use crate::format::alert_text;
use crate::i18n::t;
use crate::state::{AlertNote, Toast};
use baton_protocol::ConversationId;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ToastProps {
    pub toast: Option<Toast>,
    pub alerts: Vec<AlertNote>,
    pub on_dismiss: Callback<u64>,
    pub on_dismiss_alert: Callback<u64>,
    /// Open the chat an alert is about.
    pub on_open: Callback<(u64, ConversationId)>,
}

#[component]
pub fn ToastView(props: &ToastProps) -> Html {
    let alerts = props.alerts.iter().map(|note| {
        let (title, detail) = alert_text(&note.alert);
        let dismiss = {
            let (id, cb) = (note.id, props.on_dismiss_alert.clone());
            Callback::from(move |_| cb.emit(id))
        };
        let open = note.alert.conversation.clone().map(|conversation| {
            let (id, cb) = (note.id, props.on_open.clone());
            let onclick = Callback::from(move |_| cb.emit((id, conversation.clone())));
            html! { <button type="button" class="btn btn-small btn-primary" {onclick}>{ t().open }</button> }
        });
        html! {
            <div class="toast toast-alert" role="status" key={note.id.to_string()}>
                <span class="toast-icon toast-icon-alert" aria-hidden="true">{ "●" }</span>
                <span class="toast-body">
                    <span class="toast-title" dir="auto">{ title }</span>
                    if !detail.is_empty() { <span class="toast-detail" dir="auto">{ detail }</span> }
                </span>
                { for open }
                <button type="button" class="toast-close" aria-label={t().dismiss} onclick={dismiss}>{ "×" }</button>
            </div>
        }
    });
    let error = props.toast.as_ref().map(|toast| {
        let onclick = {
            let (id, on_dismiss) = (toast.id, props.on_dismiss.clone());
            Callback::from(move |_| on_dismiss.emit(id))
        };
        html! {
            <div class="toast" role="status" key="error">
                <span class="toast-icon" aria-hidden="true">{ "!" }</span>
                <span class="toast-message" dir="auto">{ toast.message.clone() }</span>
                <button type="button" class="toast-close" aria-label={t().dismiss} {onclick}>{ "×" }</button>
            </div>
        }
    });
    html! {
        <div class="toast-region" aria-live="polite">
            { for alerts }
            { for error }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct NotifyBannerProps {
    pub on_enable: Callback<()>,
    pub on_dismiss: Callback<()>,
}

/// Asks once (until dismissed) to let the inbox show browser notifications,
/// so a request is not missed while the inbox is in another tab.
#[component]
pub fn NotifyBanner(props: &NotifyBannerProps) -> Html {
    let enable = {
        let cb = props.on_enable.clone();
        Callback::from(move |_| cb.emit(()))
    };
    let dismiss = {
        let cb = props.on_dismiss.clone();
        Callback::from(move |_| cb.emit(()))
    };
    html! {
        <div class="banner banner-info" role="region" aria-label={t().notifications_region}>
            <span>{ t().notifications_offer }</span>
            <button type="button" class="btn btn-small btn-primary" onclick={enable}>{ t().enable_notifications }</button>
            <button type="button" class="btn btn-small btn-ghost" onclick={dismiss}>{ t().not_now }</button>
        </div>
    }
}
