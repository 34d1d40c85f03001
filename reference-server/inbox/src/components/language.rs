//! The language picker: each language listed in its own name; choosing one
//! stores it and reloads the inbox in that language.

use crate::browser;
use crate::i18n::{Lang, current, t};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

#[component]
pub fn LanguagePicker() -> Html {
    let onchange = Callback::from(|e: Event| {
        let value = e.target_unchecked_into::<HtmlSelectElement>().value();
        if let Some(lang) = Lang::from_tag(&value).filter(|l| *l != current()) {
            browser::switch_language(lang);
        }
    });
    html! {
        <select class="language-picker" aria-label={t().language} title={t().language} {onchange}>
            { for Lang::ALL.into_iter().map(|lang| html! {
                <option value={lang.tag()} lang={lang.tag()} selected={lang == current()}>{ lang.name() }</option>
            }) }
        </select>
    }
}
