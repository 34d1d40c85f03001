//! The views of the inbox (Waiting, Mine, All open, Left a message,
//! Resolved) with their
//! counts.

use crate::i18n::t;
use crate::state::View;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct SidebarProps {
    /// The current view, or `None` while a settings page is shown.
    pub view: Option<View>,
    pub waiting: usize,
    pub mine: usize,
    pub open: usize,
    /// Left messages waiting for their answer by email.
    pub left: usize,
    pub on_view: Callback<View>,
    /// More navigation (the team and settings pages) below the views.
    #[prop_or_default]
    pub children: Html,
}

#[component]
pub fn Sidebar(props: &SidebarProps) -> Html {
    let item = |view: View, label: &'static str, count: Option<usize>| {
        let on_view = props.on_view.clone();
        let active = props.view == Some(view);
        let urgent = view == View::Waiting && count.is_some_and(|n| n > 0);
        let class = match (active, urgent) {
            (true, true) => "nav-item nav-active nav-urgent",
            (true, false) => "nav-item nav-active",
            (false, true) => "nav-item nav-urgent",
            (false, false) => "nav-item",
        };
        html! {
            <li>
                <button type="button" {class} aria-current={active.then_some("page")}
                    onclick={Callback::from(move |_| on_view.emit(view))}>
                    <span class="nav-label">{ label }</span>
                    if let Some(n) = count { <span class="nav-count">{ n }</span> }
                </button>
            </li>
        }
    };
    html! {
        <nav class="sidebar" aria-label={t().page_inbox}>
            <p class="nav-heading">{ t().page_inbox }</p>
            <ul class="nav-list">
                { item(View::Waiting, t().view_waiting, Some(props.waiting)) }
                { item(View::Mine, t().view_mine, Some(props.mine)) }
                { item(View::Open, t().view_open, Some(props.open)) }
                { item(View::Left, t().view_left, Some(props.left)) }
                { item(View::Resolved, t().view_resolved, None) }
            </ul>
            { props.children.clone() }
        </nav>
    }
}
