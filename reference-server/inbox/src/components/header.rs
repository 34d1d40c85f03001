//! The top bar: brand, my status, the team roster, sign out.

use crate::format::{STATUSES, parse_status, roster_count, status_label, status_value};
use baton_protocol::OperatorProfile;
use baton_protocol::operator::{OperatorStatus, Roster};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct HeaderProps {
    pub me: OperatorProfile,
    pub status: OperatorStatus,
    pub roster: Roster,
    pub online: bool,
    pub on_status: Callback<OperatorStatus>,
    pub on_sign_out: Callback<()>,
}

/// The CSS modifier for a status dot.
pub(crate) fn dot_class(status: OperatorStatus) -> &'static str {
    match status {
        OperatorStatus::Available => "dot-available",
        OperatorStatus::Away => "dot-away",
        OperatorStatus::Busy => "dot-busy",
        OperatorStatus::Offline | OperatorStatus::Unknown => "dot-offline",
    }
}

#[component]
pub fn Header(props: &HeaderProps) -> Html {
    let select = use_node_ref();
    // Keep the menu on the server's word: after a change it shows what the
    // roster broadcast confirmed.
    {
        let select = select.clone();
        use_effect_with(props.status, move |status| {
            if let Some(select) = select.cast::<HtmlSelectElement>() {
                select.set_value(status_value(*status));
            }
        });
    }
    let onchange = {
        let on_status = props.on_status.clone();
        Callback::from(move |e: Event| {
            let status = parse_status(&e.target_unchecked_into::<HtmlSelectElement>().value());
            on_status.emit(status);
        })
    };
    let on_sign_out = {
        let cb = props.on_sign_out.clone();
        Callback::from(move |_| cb.emit(()))
    };

    html! {
        <header class="topbar">
            <div class="brand"><span class="brand-mark" aria-hidden="true">{ "B" }</span>{ "Baton Inbox" }</div>
            <div class="topbar-spacer"></div>
            <div class="roster" aria-label="Team">
                <span class="roster-count">{ roster_count(&props.roster) }</span>
                <ul class="roster-list">
                    { for props.roster.operators.iter().map(|entry| html! {
                        <li class="roster-member" key={entry.profile.id.as_str().to_owned()}
                            title={format!("{} · {}", entry.profile.name, status_label(entry.status))}>
                            <span class={classes!("dot", dot_class(entry.status))} aria-hidden="true"></span>
                            <span class="roster-name">{ entry.profile.name.clone() }</span>
                        </li>
                    }) }
                </ul>
            </div>
            <div class="status-picker">
                <span class={classes!("dot", dot_class(props.status))} aria-hidden="true"></span>
                <label for="my-status" class="status-label">{ "My status" }</label>
                <select id="my-status" ref={select} {onchange} disabled={!props.online}>
                    { for STATUSES.into_iter().map(|s| html! {
                        <option value={status_value(s)} selected={s == props.status}>{ status_label(s) }</option>
                    }) }
                </select>
            </div>
            <div class="me">
                <span class="avatar" aria-hidden="true">{ super::initial(&props.me.name) }</span>
                <span class="me-name">{ props.me.name.clone() }</span>
            </div>
            <button type="button" class="btn btn-ghost" onclick={on_sign_out}>{ "Sign out" }</button>
        </header>
    }
}
