//! The sidebar: the inbox and the pages an operator of this role can open.

use super::Page;
use crate::i18n::t;
use yew::prelude::*;

#[derive(Debug, Properties, PartialEq)]
pub struct NavProps {
    pub page: Page,
    pub is_admin: bool,
    pub on_page: Callback<Page>,
}

/// A glyph per page, decorative only.
fn icon(page: Page) -> &'static str {
    match page {
        Page::Inbox => "✉",
        Page::Team => "☰",
        Page::Settings => "⚙",
        Page::NotificationCenter => "⚑",
        Page::MyNotifications => "◉",
        Page::Profile => "☺",
    }
}

#[component]
pub fn Nav(props: &NavProps) -> Html {
    html! {
        <div class="page-nav">
            <p class="nav-heading">{ t().team_and_settings }</p>
            <ul class="page-nav-list">
                // The inbox's own views are listed above this, by the sidebar.
                { for Page::visible(props.is_admin).filter(|p| *p != Page::Inbox).map(|page| {
                    let current = page == props.page;
                    let onclick = {
                        let cb = props.on_page.clone();
                        Callback::from(move |_| cb.emit(page))
                    };
                    html! {
                        <li key={page.title()}>
                            <button type="button" class={classes!("page-nav-item", current.then_some("current"))}
                                aria-current={current.then_some("page")} {onclick}>
                                <span class="page-nav-icon" aria-hidden="true">{ icon(page) }</span>
                                <span class="page-nav-label">{ page.title() }</span>
                            </button>
                        </li>
                    }
                }) }
            </ul>
            <div class="nav-language"><crate::components::language::LanguagePicker /></div>
        </div>
    }
}
