//! My notifications: which alerts reach me (AlertPrefs, saved on each
//! change) and the browser's permission to show notifications.

use super::ui::{Load, LoadFailed, Loaded, Switch, loading, use_load};
use crate::api;
use crate::i18n::t;
use baton_protocol::operator::AlertPrefs;
use wasm_bindgen::JsValue;
use web_sys::{Notification, NotificationPermission};
use yew::prelude::*;

/// The browser's notification permission; `None` when it has no
/// Notification API (old browser, or a page not served over HTTPS).
fn permission() -> Option<NotificationPermission> {
    let window = web_sys::window()?;
    js_sys::Reflect::has(&window, &JsValue::from_str("Notification"))
        .unwrap_or(false)
        .then(Notification::permission)
}

/// One toggle: its label, its hint, and the field it sets.
type Pref = (
    &'static str,
    fn() -> &'static str,
    fn() -> &'static str,
    fn(&mut AlertPrefs) -> &mut bool,
);

const PREFS: [Pref; 6] = [
    (
        "alert-help",
        || t().pref_help,
        || t().pref_help_hint,
        |p| &mut p.help_requested,
    ),
    ("alert-new", || t().pref_new, || t().pref_new_hint, |p| &mut p.new_chat),
    (
        "alert-unclaimed",
        || t().pref_unclaimed,
        || t().pref_unclaimed_hint,
        |p| &mut p.unclaimed,
    ),
    (
        "alert-owner-gone",
        || t().pref_owner_gone,
        || t().pref_owner_gone_hint,
        |p| &mut p.owner_gone,
    ),
    (
        "alert-browser",
        || t().pref_browser,
        || t().pref_browser_hint,
        |p| &mut p.browser,
    ),
    (
        "alert-sound",
        || t().pref_sound,
        || t().pref_sound_hint,
        |p| &mut p.sound,
    ),
];

#[component]
pub fn MyNotifications() -> Html {
    let Loaded { data: prefs, refresh } = use_load(api::alert_prefs);
    let status = use_state(|| None::<Result<(), String>>);
    let allowed = use_state(permission);
    let ask = {
        let allowed = allowed.clone();
        Callback::from(move |_| {
            let allowed = allowed.clone();
            let Ok(promise) = Notification::request_permission() else {
                return;
            };
            wasm_bindgen_futures::spawn_local(async move {
                let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
                allowed.set(permission());
            });
        })
    };

    let toggles = match &*prefs {
        Load::Loading => loading(),
        Load::Failed(message) => html! { <LoadFailed message={message.clone()} on_retry={refresh} /> },
        Load::Ready(current) => {
            let current = *current;
            html! {
                <section class="card" aria-labelledby="alerts-title">
                    <h2 id="alerts-title" class="card-title">{ t().alert_me_when }</h2>
                    { for PREFS.iter().map(|(id, label, hint, field)| {
                        let mut probe = current;
                        let checked = *field(&mut probe);
                        let onchange = {
                            let (prefs, status, field) = (prefs.clone(), status.clone(), *field);
                            Callback::from(move |on: bool| {
                                let mut next = current;
                                *field(&mut next) = on;
                                // Shown at once; put back if the server refuses.
                                prefs.set(Load::Ready(next));
                                let (prefs, status) = (prefs.clone(), status.clone());
                                wasm_bindgen_futures::spawn_local(async move {
                                    match api::save_alert_prefs(&next).await {
                                        Ok(kept) => {
                                            prefs.set(Load::Ready(kept));
                                            status.set(Some(Ok(())));
                                        }
                                        Err(e) => {
                                            prefs.set(Load::Ready(current));
                                            status.set(Some(Err(e.message)));
                                        }
                                    }
                                });
                            })
                        };
                        html! {
                            <Switch key={*id} id={*id} label={label()} hint={AttrValue::Static(hint())} {checked} {onchange} />
                        }
                    }) }
                    <p class="field-hint">{ t().alerts_always }</p>
                    { match &*status {
                        Some(Ok(())) => html! { <p class="saved-note" role="status">{ t().saved }</p> },
                        Some(Err(message)) => html! { <p class="form-error" role="alert">{ message.clone() }</p> },
                        None => html! {},
                    } }
                </section>
            }
        }
    };

    let (permission_text, can_ask) = match *allowed {
        None => (t().permission_none, false),
        Some(NotificationPermission::Granted) => (t().permission_granted, false),
        Some(NotificationPermission::Denied) => (t().permission_denied, false),
        Some(_) => (t().permission_default, true),
    };

    html! {
        <>
            <p class="page-lead">{ t().alerts_lead }</p>
            { toggles }
            <section class="card" aria-labelledby="permission-title">
                <h2 id="permission-title" class="card-title">{ t().this_browser }</h2>
                <p class="permission" role="status">{ permission_text }</p>
                if can_ask {
                    <div class="card-actions">
                        <button type="button" class="btn btn-primary" onclick={ask}>{ t().allow_notifications }</button>
                    </div>
                }
            </section>
        </>
    }
}
