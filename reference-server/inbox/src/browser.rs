//! What the inbox asks of the browser besides the socket: the tab title,
//! browser notifications, a short alert sound, and one remembered choice.
//! Everything here fails quietly: a browser that refuses (no permission, no
//! audio) just gets the in-app toast.

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

fn document() -> Option<web_sys::Document> {
    web_sys::window()?.document()
}

/// The inbox is not what the operator is looking at (another tab, minimised).
pub fn hidden() -> bool {
    document().is_none_or(|d| d.visibility_state() != web_sys::VisibilityState::Visible)
}

pub fn set_title(title: &str) {
    if let Some(d) = document() {
        d.set_title(title);
    }
}

/// "granted", "denied" or "default" (not asked yet); "unsupported" without
/// the Notification API.
pub fn notification_permission() -> &'static str {
    let supported =
        web_sys::window().is_some_and(|w| js_sys::Reflect::has(&w, &"Notification".into()).unwrap_or(false));
    if !supported {
        return "unsupported";
    }
    match web_sys::Notification::permission() {
        web_sys::NotificationPermission::Granted => "granted",
        web_sys::NotificationPermission::Denied => "denied",
        _ => "default",
    }
}

/// Asks for permission; `done` runs once the operator answered.
pub fn request_notifications(done: impl FnOnce() + 'static) {
    if notification_permission() == "unsupported" {
        return;
    }
    if let Ok(promise) = web_sys::Notification::request_permission() {
        wasm_bindgen_futures::spawn_local(async move {
            let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
            done();
        });
    }
}

/// Shows a browser notification; clicking it focuses the inbox and runs
/// `on_click`.
pub fn notify(title: &str, body: &str, tag: &str, on_click: impl FnMut() + 'static) {
    if notification_permission() != "granted" {
        return;
    }
    let options = web_sys::NotificationOptions::new();
    options.set_body(body);
    options.set_tag(tag);
    let Ok(notification) = web_sys::Notification::new_with_options(title, &options) else {
        return;
    };
    let mut on_click = on_click;
    let handler = Closure::<dyn FnMut()>::new(move || {
        if let Some(w) = web_sys::window() {
            let _ = w.focus();
        }
        on_click();
    });
    notification.set_onclick(Some(handler.as_ref().unchecked_ref()));
    // The notification outlives this call; so must its handler.
    handler.forget();
}

/// Two short tones. Browsers allow audio only after the operator has
/// interacted with the page, which signing in is.
pub fn chime() {
    let Ok(context) = web_sys::AudioContext::new() else {
        return;
    };
    let now = context.current_time();
    for (i, freq) in [880.0_f32, 1320.0].into_iter().enumerate() {
        let (Ok(osc), Ok(gain)) = (context.create_oscillator(), context.create_gain()) else {
            return;
        };
        osc.frequency().set_value(freq);
        let start = now + i as f64 * 0.16;
        gain.gain().set_value(0.0);
        let _ = gain.gain().linear_ramp_to_value_at_time(0.12, start + 0.02);
        let _ = gain.gain().linear_ramp_to_value_at_time(0.0, start + 0.14);
        let _ = osc.connect_with_audio_node(&gain);
        let _ = gain.connect_with_audio_node(&context.destination());
        let _ = osc.start_with_when(start);
        let _ = osc.stop_with_when(start + 0.15);
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

pub fn remembered(key: &str) -> Option<String> {
    storage()?.get_item(key).ok()?
}

pub fn remember(key: &str, value: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(key, value);
    }
}

pub fn forget(key: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(key);
    }
}

/// The inbox page's language (`<html lang>`), if set.
pub fn page_language() -> Option<String> {
    document()?.document_element()?.get_attribute("lang")
}

/// Where the language picker keeps its choice.
const LANG_KEY: &str = "baton-inbox.lang";

/// Picks the inbox's language (stored choice, then the browser's
/// languages, then English) and sets `<html lang dir>` to match.
pub fn apply_language() {
    let browser: Vec<String> = web_sys::window()
        .map(|w| w.navigator().languages().iter().filter_map(|v| v.as_string()).collect())
        .unwrap_or_default();
    let lang = crate::i18n::choose(remembered(LANG_KEY).as_deref(), &browser);
    crate::i18n::set(lang);
    if let Some(html) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = html.set_attribute("lang", lang.tag());
        let _ = html.set_attribute("dir", if lang.strings().rtl { "rtl" } else { "ltr" });
    }
}

/// Stores the operator's language and reloads: every string is read once
/// per render, and a reload is the one switch that reaches all of them (the
/// socket reconnects and the inbox is back where it was).
pub fn switch_language(lang: crate::i18n::Lang) {
    remember(LANG_KEY, lang.tag());
    if let Some(w) = web_sys::window() {
        let _ = w.location().reload();
    }
}

/// A language's name (`code`: "de") in the inbox's language ("German",
/// "الألمانية"), from the browser's `Intl.DisplayNames`; the code itself
/// when the browser has no name for it.
pub fn language_name(code: &str, in_language: &str) -> String {
    use js_sys::Intl::{DisplayNames, DisplayNamesOptions, DisplayNamesType};
    let options = DisplayNamesOptions::new();
    options.set_type(DisplayNamesType::Language);
    let names = DisplayNames::new(&js_sys::Array::of1(&in_language.into()), &options);
    names.of(code).map_or_else(|| code.to_owned(), String::from)
}

/// Keeps a scrolled box on its last line while the box is resized (the
/// reply box under the log grows with its tools, a Suggest answer or a
/// translation to check), as long as its reader was on the last line;
/// scrolling up lets go. Returns what stops it.
pub fn keep_at_end(el: &web_sys::Element) -> impl FnOnce() + use<> {
    use std::cell::Cell;
    use std::rc::Rc;
    fn near_end(e: &web_sys::Element) -> bool {
        e.scroll_height() - e.scroll_top() - e.client_height() < 80
    }
    fn call(target: &wasm_bindgen::JsValue, method: &str, arg: &wasm_bindgen::JsValue) {
        if let Ok(f) = js_sys::Reflect::get(target, &method.into()).and_then(|f| f.dyn_into::<js_sys::Function>()) {
            let _ = f.call1(target, arg);
        }
    }
    let at_end = Rc::new(Cell::new(true));
    // The height the last resize left: a scroll event that sees another one
    // comes from a resize not yet handled (the scroll events run first), so
    // it says nothing about where the reader is.
    let height = Rc::new(Cell::new(el.client_height()));
    let on_scroll = {
        let (at_end, height, e) = (at_end.clone(), height.clone(), el.clone());
        Closure::<dyn Fn()>::new(move || {
            if e.client_height() == height.get() {
                at_end.set(near_end(&e));
            }
        })
    };
    let on_resize = {
        let e = el.clone();
        Closure::<dyn Fn()>::new(move || {
            height.set(e.client_height());
            if at_end.get() {
                e.set_scroll_top(e.scroll_height());
            }
        })
    };
    let _ = el.add_event_listener_with_callback("scroll", on_scroll.as_ref().unchecked_ref());
    // `ResizeObserver` by name: web-sys's binding is one more feature to build.
    let observer = web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w, &"ResizeObserver".into()).ok())
        .and_then(|c| c.dyn_into::<js_sys::Function>().ok())
        .and_then(|c| js_sys::Reflect::construct(&c, &js_sys::Array::of1(on_resize.as_ref())).ok());
    if let Some(o) = &observer {
        call(o, "observe", el);
    }
    let el = el.clone();
    move || {
        if let Some(o) = &observer {
            call(o, "disconnect", &wasm_bindgen::JsValue::UNDEFINED);
        }
        let _ = el.remove_event_listener_with_callback("scroll", on_scroll.as_ref().unchecked_ref());
        drop(on_resize);
    }
}
