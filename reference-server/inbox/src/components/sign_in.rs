//! The sign-in screen.

use crate::api;
use crate::i18n::t;
use baton_protocol::OperatorProfile;
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct SignInProps {
    /// Shown above the form, e.g. why the operator was signed out.
    #[prop_or_default]
    pub notice: Option<AttrValue>,
    pub on_signed_in: Callback<OperatorProfile>,
}

#[component]
pub fn SignIn(props: &SignInProps) -> Html {
    let email = use_state(String::new);
    let password = use_state(String::new);
    let error = use_state(|| None::<String>);
    let busy = use_state(|| false);

    let oninput_email = {
        let email = email.clone();
        Callback::from(move |e: InputEvent| email.set(e.target_unchecked_into::<HtmlInputElement>().value()))
    };
    let oninput_password = {
        let password = password.clone();
        Callback::from(move |e: InputEvent| password.set(e.target_unchecked_into::<HtmlInputElement>().value()))
    };
    let onsubmit = {
        let (email, password, error, busy) = (email.clone(), password.clone(), error.clone(), busy.clone());
        let on_signed_in = props.on_signed_in.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *busy {
                return;
            }
            busy.set(true);
            error.set(None);
            let (email, password) = ((*email).clone(), (*password).clone());
            let (error, busy, on_signed_in) = (error.clone(), busy.clone(), on_signed_in.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::login(&email, &password).await {
                    Ok(me) => on_signed_in.emit(me),
                    Err(message) => {
                        error.set(Some(message));
                        busy.set(false);
                    }
                }
            });
        })
    };

    let message = (*error).clone().map(AttrValue::from).or_else(|| props.notice.clone());
    html! {
        <div class="signin-page">
            <form class="signin-card" {onsubmit}>
                <div class="brand brand-large"><span class="brand-mark" aria-hidden="true">{ "B" }</span>{ t().brand }</div>
                <h1 class="signin-title">{ t().welcome_back }</h1>
                <p class="signin-subtitle">{ t().signin_subtitle }</p>
                if let Some(message) = message {
                    <p class="form-error" role="alert">{ message }</p>
                }
                <div class="field">
                    <label for="signin-email">{ t().email }</label>
                    <input id="signin-email" type="email" name="email" autocomplete="username" required=true
                        value={(*email).clone()} oninput={oninput_email} />
                </div>
                <div class="field">
                    <label for="signin-password">{ t().password }</label>
                    <input id="signin-password" type="password" name="password" autocomplete="current-password"
                        required=true value={(*password).clone()} oninput={oninput_password} />
                </div>
                <button type="submit" class="btn btn-primary btn-block" disabled={*busy}>{ t().sign_in }</button>
                <div class="signin-language"><super::language::LanguagePicker /></div>
            </form>
        </div>
    }
}
