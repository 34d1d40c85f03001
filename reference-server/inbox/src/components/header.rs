//! The top bar: brand, the team roster ("2/3 online", each teammate's
//! status and whether their inbox is open; admins can set one Offline), my
//! status, sign out. On a phone all of that (and the pages) folds into a
//! menu behind one button; on wider screens the menu is the bar itself.

use crate::format::{STATUSES, parse_status, roster_count, status_label, status_value};
use crate::i18n::{fill, t};
use baton_protocol::operator::{OperatorStatus, Roster};
use baton_protocol::{OperatorId, OperatorProfile};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct HeaderProps {
    pub me: OperatorProfile,
    pub status: OperatorStatus,
    pub roster: Roster,
    pub online: bool,
    pub is_admin: bool,
    /// Auto-away set me Away (until I choose a status myself).
    pub auto_away: bool,
    pub on_status: Callback<OperatorStatus>,
    /// An admin sets a teammate Offline.
    pub on_set_offline: Callback<OperatorId>,
    pub on_sign_out: Callback<()>,
    /// Opens the keyboard shortcuts.
    pub on_help: Callback<()>,
    /// The pages' navigation, shown in the menu on a phone (the sidebar
    /// shows it on wider screens).
    #[prop_or_default]
    pub children: Html,
}

/// The CSS modifier for a status dot.
pub fn dot_class(status: OperatorStatus) -> &'static str {
    match status {
        OperatorStatus::Available => "dot dot-available",
        OperatorStatus::Away => "dot dot-away",
        OperatorStatus::Busy => "dot dot-busy",
        OperatorStatus::Offline | OperatorStatus::Unknown => "dot dot-offline",
    }
}

#[component]
pub fn Header(props: &HeaderProps) -> Html {
    let select = use_node_ref();
    let roster_open = use_state(|| false);
    let menu_open = use_state(|| false);
    let menu_button = use_node_ref();
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
    let toggle_roster = {
        let roster_open = roster_open.clone();
        Callback::from(move |_| roster_open.set(!*roster_open))
    };
    let roster_button = use_node_ref();
    // Escape closes the roster, then the menu, and puts the focus back on
    // the button that opened it.
    let close_on_escape = {
        let (roster_open, roster_button) = (roster_open.clone(), roster_button.clone());
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" && *roster_open {
                e.prevent_default();
                e.stop_propagation();
                roster_open.set(false);
                if let Some(b) = roster_button.cast::<web_sys::HtmlElement>() {
                    let _ = b.focus();
                }
            }
        })
    };
    let toggle_menu = {
        let menu_open = menu_open.clone();
        Callback::from(move |_| menu_open.set(!*menu_open))
    };
    let menu_escape = {
        let (menu_open, menu_button) = (menu_open.clone(), menu_button.clone());
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" && *menu_open {
                e.prevent_default();
                menu_open.set(false);
                if let Some(b) = menu_button.cast::<web_sys::HtmlElement>() {
                    let _ = b.focus();
                }
            }
        })
    };
    // Choosing a page closes the menu.
    let close_menu = {
        let menu_open = menu_open.clone();
        Callback::from(move |e: MouseEvent| {
            let on_button = e
                .target_dyn_into::<web_sys::Element>()
                .is_some_and(|t| t.closest("button").ok().flatten().is_some());
            if on_button {
                menu_open.set(false);
            }
        })
    };
    let on_help = {
        let (cb, menu_open) = (props.on_help.clone(), menu_open.clone());
        Callback::from(move |_| {
            menu_open.set(false);
            cb.emit(());
        })
    };

    let members = props.roster.operators.iter().map(|entry| {
        let me = entry.profile.id == props.me.id;
        let can_set_offline = props.is_admin && !me && entry.status != OperatorStatus::Offline;
        let set_offline = {
            let (id, cb) = (entry.profile.id.clone(), props.on_set_offline.clone());
            Callback::from(move |_| cb.emit(id.clone()))
        };
        html! {
            <li class="roster-member" key={entry.profile.id.as_str().to_owned()}>
                <span class={dot_class(entry.status)} aria-hidden="true"></span>
                <span class="roster-name" dir={t().auto}>{ entry.profile.name.clone() }{ if me { t().you_suffix } else { "" } }</span>
                <span class="roster-status">{ status_label(entry.status) }</span>
                <span class={if entry.connected { "roster-conn conn-on" } else { "roster-conn" }}
                    title={if entry.connected { t().inbox_open_title } else { t().inbox_closed_title }}>
                    { if entry.connected { t().inbox_open } else { t().inbox_closed } }
                </span>
                if can_set_offline {
                    <button type="button" class="btn btn-small" onclick={set_offline} disabled={!props.online}
                        aria-label={fill(t().set_offline_label, &[&entry.profile.name])}>{ t().set_offline }</button>
                }
            </li>
        }
    });

    let count_class = if props.online {
        "roster-count"
    } else {
        "roster-count roster-stale"
    };
    html! {
        <header class="topbar" onkeydown={menu_escape}>
            <div class="brand"><span class="brand-mark" aria-hidden="true">{ "B" }</span><span class="brand-name">{ t().app_title }</span></div>
            <div class="topbar-spacer"></div>
            <button type="button" class="btn btn-ghost menu-toggle" ref={menu_button} onclick={toggle_menu}
                aria-expanded={menu_open.to_string()} aria-controls="topbar-menu">
                <span class={dot_class(props.status)} aria-hidden="true"></span>{ t().menu }
            </button>
            <div id="topbar-menu" class={classes!("topbar-menu", menu_open.then_some("is-open"))}>
            <div class="roster" onkeydown={close_on_escape}>
                <button type="button" class={count_class} aria-expanded={roster_open.to_string()} ref={roster_button}
                    aria-controls="roster-panel" onclick={toggle_roster} title={t().team}>
                    <span class="roster-dots" aria-hidden="true">
                        { for props.roster.operators.iter().take(5).map(|e| html! {
                            <span class={dot_class(e.status)} key={e.profile.id.as_str().to_owned()}></span>
                        }) }
                    </span>
                    { roster_count(&props.roster) }
                    if !props.online { <span class="roster-reconnecting">{ t().reconnecting_suffix }</span> }
                </button>
                if *roster_open {
                    <div class="roster-panel" id="roster-panel" role="region" aria-label={t().team}>
                        <ul class="roster-list">{ for members }</ul>
                    </div>
                }
            </div>
            <div class="status-picker">
                <span class={dot_class(props.status)} aria-hidden="true"></span>
                <label for="my-status" class="status-label">{ t().my_status }</label>
                <select id="my-status" ref={select} {onchange} disabled={!props.online}>
                    { for STATUSES.into_iter().map(|s| html! {
                        <option value={status_value(s)} selected={s == props.status}>{ status_label(s) }</option>
                    }) }
                </select>
                if props.auto_away && props.status == OperatorStatus::Away {
                    <span class="status-note" title={t().auto_away_title}>{ t().auto }</span>
                }
            </div>
            <div class="me">
                <span class="avatar" aria-hidden="true">{ super::initial(&props.me.name) }</span>
                <span class="me-name" dir="auto">{ props.me.name.clone() }</span>
            </div>
            <div class="menu-pages" onclick={close_menu}>{ props.children.clone() }</div>
            <button type="button" class="btn btn-ghost keys-button" onclick={on_help} title={t().keys_title}>
                <span aria-hidden="true">{ "⌨" }</span><span class="keys-button-label">{ t().keys_button }</span>
            </button>
            <button type="button" class="btn btn-ghost" onclick={on_sign_out}>{ t().sign_out }</button>
            </div>
        </header>
    }
}
