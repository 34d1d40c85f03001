//! The one component the inbox renders for a page other than the live
//! inbox itself.

use super::Page;
use super::alerts::MyNotifications;
use super::channels::NotificationCenter;
use super::profile::Profile;
use super::settings::Settings;
use super::team::Team;
use crate::i18n::t;
use baton_protocol::OperatorProfile;
use yew::prelude::*;

#[derive(Debug, Properties, PartialEq)]
pub struct PageViewProps {
    pub page: Page,
    pub me: OperatorProfile,
    pub is_admin: bool,
    /// A short notice for the inbox's toast.
    pub on_notify: Callback<String>,
    /// My profile was saved: the inbox shows the new name and colour.
    pub on_profile_changed: Callback<OperatorProfile>,
}

#[component]
pub fn PageView(props: &PageViewProps) -> Html {
    let body = match props.page {
        Page::Inbox => return html! {},
        Page::Team => {
            html! { <Team me={props.me.clone()} is_admin={props.is_admin} on_notify={props.on_notify.clone()} /> }
        }
        Page::Profile => html! {
            <Profile me={props.me.clone()} on_notify={props.on_notify.clone()}
                on_profile_changed={props.on_profile_changed.clone()} />
        },
        Page::Settings => html! { <Settings is_admin={props.is_admin} /> },
        Page::NotificationCenter if props.is_admin => {
            html! { <NotificationCenter on_notify={props.on_notify.clone()} /> }
        }
        Page::NotificationCenter => html! {
            <p class="page-note">{ t().admins_only_channels }</p>
        },
        Page::MyNotifications => html! { <MyNotifications /> },
    };
    html! {
        <section class="page" aria-labelledby="page-title">
            <div class="page-inner">
                <h1 id="page-title" class="page-title">{ props.page.title() }</h1>
                { body }
            </div>
        </section>
    }
}
