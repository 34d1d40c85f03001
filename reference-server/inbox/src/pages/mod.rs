//! The inbox's admin and personal pages: team, my profile, live-chat
//! settings, notification center, my notifications.
//!
//! - [`model`] — the JSON of the routes they call (CONTRACT.md).
//! - [`forms`] — pure validation and formatting, tested natively.
//! - `nav`, `view` — the sidebar and the one component that renders a page;
//!   each page lives in its own file and talks to the server through `api`.
//! - `ui`, `dialog`, `hooks` — the fields, dialogs and hooks they share.

pub mod forms;
pub mod model;

#[cfg(target_arch = "wasm32")]
mod alerts;
#[cfg(target_arch = "wasm32")]
mod channels;
#[cfg(target_arch = "wasm32")]
pub(crate) mod dialog;
#[cfg(target_arch = "wasm32")]
mod hooks;
#[cfg(target_arch = "wasm32")]
mod nav;
#[cfg(target_arch = "wasm32")]
mod profile;
#[cfg(target_arch = "wasm32")]
mod ratings;
#[cfg(target_arch = "wasm32")]
mod settings;
#[cfg(target_arch = "wasm32")]
mod team;
#[cfg(target_arch = "wasm32")]
mod ui;
#[cfg(target_arch = "wasm32")]
mod view;

#[cfg(target_arch = "wasm32")]
pub use nav::Nav;
#[cfg(target_arch = "wasm32")]
pub use view::PageView;

/// Where the operator is in the inbox.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Page {
    #[default]
    Inbox,
    Team,
    Profile,
    Settings,
    NotificationCenter,
    MyNotifications,
}

impl Page {
    /// The pages in navigation order.
    pub const ALL: [Page; 6] = [
        Page::Inbox,
        Page::Team,
        Page::Settings,
        Page::NotificationCenter,
        Page::MyNotifications,
        Page::Profile,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Page::Inbox => crate::i18n::t().page_inbox,
            Page::Team => crate::i18n::t().page_team,
            Page::Profile => crate::i18n::t().page_profile,
            Page::Settings => crate::i18n::t().page_settings,
            Page::NotificationCenter => crate::i18n::t().page_notification_center,
            Page::MyNotifications => crate::i18n::t().page_my_notifications,
        }
    }

    /// Pages only admins see. Agents still see Team and Live chat settings,
    /// read-only.
    pub fn admin_only(self) -> bool {
        matches!(self, Page::NotificationCenter)
    }

    /// The pages an operator of this role finds in the navigation.
    pub fn visible(is_admin: bool) -> impl Iterator<Item = Page> {
        Page::ALL.into_iter().filter(move |p| is_admin || !p.admin_only())
    }
}

#[cfg(test)]
mod tests {
    use super::Page;

    #[test]
    fn agents_do_not_see_admin_pages() {
        let agent: Vec<Page> = Page::visible(false).collect();
        assert!(!agent.contains(&Page::NotificationCenter));
        assert!(agent.contains(&Page::Team) && agent.contains(&Page::Settings));
        assert_eq!(Page::visible(true).count(), Page::ALL.len());
        assert_eq!(Page::default(), Page::Inbox);
    }
}
