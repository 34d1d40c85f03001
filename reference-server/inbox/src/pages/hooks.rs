//! Hooks the pages share: load a page's data, open one dialog at a time,
//! run a request with its busy flag and refusal.

use crate::api::ApiError;
use std::future::Future;
use yew::prelude::*;

/// What a page shows while its data loads.
#[derive(Clone, Debug, PartialEq)]
pub enum Load<T> {
    Loading,
    Failed(String),
    Ready(T),
}

/// A page's data from the server, and a way to fetch it again.
pub struct Loaded<T> {
    pub data: UseStateHandle<Load<T>>,
    pub refresh: Callback<()>,
}

/// Loads with `loader` on mount and again on each `refresh`.
#[hook]
pub fn use_load<T, F, Fut>(loader: F) -> Loaded<T>
where
    T: 'static,
    F: FnOnce() -> Fut + 'static,
    Fut: Future<Output = Result<T, ApiError>> + 'static,
{
    let data = use_state(|| Load::Loading);
    let reload = use_state(|| 0u32);
    {
        let data = data.clone();
        use_effect_with(*reload, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                data.set(match loader().await {
                    Ok(value) => Load::Ready(value),
                    Err(e) => Load::Failed(e.message),
                });
            });
        });
    }
    let refresh = Callback::from(move |()| reload.set(*reload + 1));
    Loaded { data, refresh }
}

/// The dialog a list page has open, and what closing it means.
pub struct Dialogs<D: 'static> {
    pub open: UseStateHandle<Option<D>>,
    pub close: Callback<()>,
    /// Closes, reloads the list and shows the sentence as a notice.
    pub done: Callback<String>,
}

impl<D: Clone + 'static> Dialogs<D> {
    /// A click that opens `dialog`.
    pub fn opener(&self, dialog: D) -> Callback<MouseEvent> {
        let open = self.open.clone();
        Callback::from(move |_| open.set(Some(dialog.clone())))
    }
}

#[hook]
pub fn use_dialogs<D: 'static>(refresh: Callback<()>, on_notify: Callback<String>) -> Dialogs<D> {
    let open = use_state(|| None::<D>);
    let close = {
        let open = open.clone();
        Callback::from(move |()| open.set(None))
    };
    let done = {
        let open = open.clone();
        Callback::from(move |text: String| {
            open.set(None);
            refresh.emit(());
            on_notify.emit(text);
        })
    };
    Dialogs { open, close, done }
}

/// A request started from a form or dialog: busy while it runs, its refusal
/// kept to show.
#[derive(Clone)]
pub struct Request {
    pub busy: UseStateHandle<bool>,
    pub failed: UseStateHandle<Option<ApiError>>,
}

impl Request {
    /// Runs `request` unless one is running; its sentence goes to `on_ok`.
    pub fn run<F>(&self, request: F, on_ok: Callback<String>)
    where
        F: Future<Output = Result<String, ApiError>> + 'static,
    {
        if *self.busy {
            return;
        }
        self.busy.set(true);
        self.failed.set(None);
        let (busy, failed) = (self.busy.clone(), self.failed.clone());
        wasm_bindgen_futures::spawn_local(async move {
            let result = request.await;
            busy.set(false);
            match result {
                Ok(text) => on_ok.emit(text),
                Err(e) => failed.set(Some(e)),
            }
        });
    }

    /// The refusal's sentence, unless its code is one of `except` (shown
    /// next to a field instead).
    pub fn message(&self, except: &str) -> Option<String> {
        self.failed
            .as_ref()
            .filter(|e| e.code != except)
            .map(|e| e.message.clone())
    }

    /// The refusal's sentence if its code is `code`.
    pub fn message_if(&self, code: &str) -> Option<String> {
        self.failed
            .as_ref()
            .filter(|e| e.code == code)
            .map(|e| e.message.clone())
    }
}

#[hook]
pub fn use_request() -> Request {
    Request {
        busy: use_state(|| false),
        failed: use_state(|| None),
    }
}
