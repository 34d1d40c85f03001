//! The Team page's ratings: what visitors gave after a person resolved
//! their chat, averaged per operator and per bot (`GET /api/ratings`).

use super::hooks::{Load, use_load};
use super::model::{RatingAverage, rating_text};
use crate::api;
use crate::i18n::{count, fill, t};
use yew::prelude::*;

#[component]
pub fn Ratings() -> Html {
    let loaded = use_load(api::ratings);
    let body = match &*loaded.data {
        Load::Loading => html! { <p class="page-note">{ t().loading }</p> },
        Load::Failed(message) => html! { <p class="form-error" role="alert">{ message.clone() }</p> },
        Load::Ready(r) => html! {
            <div class="ratings-grid">
                { averages(t().by_operator, &r.operators) }
                { averages(t().by_bot, &r.bots) }
            </div>
        },
    };
    html! {
        <section class="card ratings" aria-labelledby="ratings-title">
            <h2 id="ratings-title" class="card-title">{ t().ratings_title }</h2>
            <p class="page-note">{ t().ratings_lead }</p>
            { body }
        </section>
    }
}

fn averages(title: &'static str, rows: &[RatingAverage]) -> Html {
    html! {
        <div class="ratings-list">
            <h3>{ title }</h3>
            if rows.iter().all(|r| r.count == 0) {
                <p class="page-note">{ t().no_ratings }</p>
            } else {
                <dl>
                    { for rows.iter().filter(|r| r.count > 0).map(|r| html! {
                        <div class="ratings-row">
                            <dt dir="auto">{ r.name.clone() }</dt>
                            <dd>{ fill(t().average_of, &[&rating_text(r.average), &count(&t().ratings_count, r.count)]) }</dd>
                        </div>
                    }) }
                </dl>
            }
        </div>
    }
}
