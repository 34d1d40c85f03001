//! The Team page's ratings: what visitors gave after a person resolved
//! their chat, averaged per operator and per bot (`GET /api/ratings`).

use super::hooks::{Load, use_load};
use super::model::rating_text;
use crate::api;
use crate::i18n::{count, fill, t};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct RatingsProps {
    /// Bots' display names by id.
    pub bots: Vec<(String, String)>,
}

#[component]
pub fn Ratings(props: &RatingsProps) -> Html {
    let loaded = use_load(api::ratings);
    let body = match &*loaded.data {
        Load::Loading => html! { <p class="page-note">{ t().loading }</p> },
        Load::Failed(message) => html! { <p class="form-error" role="alert">{ message.clone() }</p> },
        Load::Ready(r) => {
            let operators: Vec<_> = r
                .operators
                .iter()
                .map(|o| (o.operator.name.clone(), o.count, o.average))
                .collect();
            let bots: Vec<_> = r
                .bots
                .iter()
                .map(|b| {
                    let name = props
                        .bots
                        .iter()
                        .find(|(id, _)| id == &b.bot)
                        .map_or(&b.bot, |(_, n)| n);
                    (name.clone(), b.count, b.average)
                })
                .collect();
            html! {
                <div class="ratings-grid">
                    { averages(t().by_operator, &operators) }
                    { averages(t().by_bot, &bots) }
                </div>
            }
        }
    };
    html! {
        <section class="card ratings" aria-labelledby="ratings-title">
            <h2 id="ratings-title" class="card-title">{ t().ratings_title }</h2>
            <p class="page-note">{ t().ratings_lead }</p>
            { body }
        </section>
    }
}

/// Name, how many ratings, their average.
fn averages(title: &'static str, rows: &[(String, u64, f64)]) -> Html {
    html! {
        <div class="ratings-list">
            <h3>{ title }</h3>
            if rows.iter().all(|(_, n, _)| *n == 0) {
                <p class="page-note">{ t().no_ratings }</p>
            } else {
                <dl>
                    { for rows.iter().filter(|(_, n, _)| *n > 0).map(|(name, n, average)| html! {
                        <div class="ratings-row">
                            <dt dir="auto">{ name.clone() }</dt>
                            <dd>{ fill(t().average_of, &[&rating_text(*average), &count(&t().ratings_count, *n)]) }</dd>
                        </div>
                    }) }
                </dl>
            }
        </div>
    }
}
