//! The root: asks `/api/me` who is signed in, then shows either the sign-in
//! screen or the inbox.

use crate::api::{self, Session};
use crate::components::sign_in::SignIn;
use crate::i18n::t;
use crate::inbox::Inbox;
use baton_protocol::OperatorProfile;
use yew::prelude::*;

#[derive(Clone, Debug, PartialEq)]
enum Auth {
    Checking,
    SignedOut { notice: Option<AttrValue> },
    SignedIn(OperatorProfile),
}

#[component]
pub fn App() -> Html {
    let auth = use_state(|| Auth::Checking);

    {
        let auth = auth.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                auth.set(match api::me().await {
                    Session::SignedIn(me) => Auth::SignedIn(me),
                    Session::SignedOut => Auth::SignedOut { notice: None },
                    Session::Unreachable => Auth::SignedOut {
                        notice: Some(t().server_unreachable.into()),
                    },
                });
            });
        });
    }

    let on_signed_in = {
        let auth = auth.clone();
        Callback::from(move |me: OperatorProfile| auth.set(Auth::SignedIn(me)))
    };
    let on_signed_out = {
        let auth = auth.clone();
        Callback::from(move |notice: Option<AttrValue>| auth.set(Auth::SignedOut { notice }))
    };

    match &*auth {
        Auth::Checking => html! {
            <div class="splash" aria-busy="true"><div class="spinner" aria-hidden="true"></div>{ t().loading }</div>
        },
        Auth::SignedOut { notice } => html! { <SignIn notice={notice.clone()} {on_signed_in} /> },
        Auth::SignedIn(me) => html! { <Inbox me={me.clone()} {on_signed_out} /> },
    }
}
