//! The browser side: mounting into the host page's shadow root, the JS API
//! handle, the driver, storage, strings and the components.

mod components;
mod driver;
mod storage;
mod strings;

use driver::{Command, Commands};
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// What the loader (`baton.js`) passes in, read from its script tag's data
/// attributes.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// The Baton server's origin, e.g. `https://chat.example.com`.
    pub server: String,
    pub bot: String,
    /// Open the panel as soon as it mounts (the visitor clicked the loader's
    /// launcher before the WebAssembly arrived).
    pub open: bool,
    /// The loader's stand-in launcher had keyboard focus: give it to the real
    /// one. Otherwise mounting never moves focus (the host page keeps it).
    pub focus: bool,
    /// The panel's title.
    pub title: Option<String>,
    /// The language of the widget's own text (`en`, `ar`, …); default: the
    /// browser's.
    pub locale: Option<String>,
}

impl Config {
    /// Reads the loader's JSON: `server` and `bot` are required.
    fn parse(text: &str) -> Option<Config> {
        let v = baton_protocol::lean::json::parse(text)?;
        let text_of = |key: &str| v.get(key).and_then(|f| f.as_str()).map(str::to_owned);
        Some(Config {
            server: text_of("server")?,
            bot: text_of("bot")?,
            open: v.get("open").and_then(|f| f.as_bool()).unwrap_or(false),
            focus: v.get("focus").and_then(|f| f.as_bool()).unwrap_or(false),
            title: text_of("title"),
            locale: text_of("locale"),
        })
    }
}

impl Config {
    fn socket_url(&self) -> String {
        let base = self.server.trim_end_matches('/');
        let ws = match (base.strip_prefix("https://"), base.strip_prefix("http://")) {
            (Some(rest), _) => ["wss://", rest].concat(),
            (None, Some(rest)) => ["ws://", rest].concat(),
            _ => base.to_owned(),
        };
        let bot = String::from(js_sys::encode_uri_component(&self.bot));
        [ws.as_str(), "/ws/visitor?bot=", &bot].concat()
    }
}

/// Tells the host page what happened: `emit(name, detail)`.
#[derive(Debug)]
pub struct Emitter(Option<js_sys::Function>);

impl Emitter {
    pub fn emit(&self, name: &str, detail: JsValue) {
        if let Some(f) = &self.0 {
            let _ = f.call2(&JsValue::NULL, &JsValue::from_str(name), &detail);
        }
    }
}

impl PartialEq for Emitter {
    fn eq(&self, _: &Self) -> bool {
        true // one emitter for the widget's life
    }
}

/// The host page's handle on a mounted widget (what `window.Baton` calls).
#[wasm_bindgen]
#[derive(Debug)]
pub struct WidgetHandle {
    commands: Commands,
}

#[wasm_bindgen]
impl WidgetHandle {
    pub fn open(&self) {
        self.commands.send(Command::SetOpen(true));
    }

    pub fn close(&self) {
        self.commands.send(Command::SetOpen(false));
    }

    pub fn toggle(&self) {
        self.commands.send(Command::Toggle);
    }

    /// Names the visitor for the team (and for the unread-reply email).
    pub fn identify(&self, name: Option<String>, email: Option<String>) {
        self.commands.send(Command::Identify { name, email });
    }
}

/// Renders the widget into `root` (the loader's shadow root). `emit` is
/// called as `emit(eventName, detail)` for `open`, `close`, `unread`,
/// `agent_joined` and `resolved`.
#[wasm_bindgen]
pub fn mount(
    root: web_sys::ShadowRoot,
    config_json: &str,
    emit: Option<js_sys::Function>,
) -> Result<WidgetHandle, JsValue> {
    let config = Config::parse(config_json).ok_or("Baton: the config needs `server` and `bot`")?;
    let browser = web_sys::window().and_then(|w| w.navigator().language());
    let strings = strings::choose(config.locale.as_deref().or(browser.as_deref()));
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("Baton: no document")?;
    let host = document.create_element("div")?;
    host.set_class_name("baton");
    host.set_attribute("lang", strings.lang)?;
    host.set_attribute("dir", if strings.rtl { "rtl" } else { "ltr" })?;
    root.append_child(&host)?;
    let commands = Commands::default();
    driver::wake_on_return(&commands);
    let props = components::AppProps {
        config: Rc::new(config),
        commands: commands.clone(),
        emitter: Rc::new(Emitter(emit)),
    };
    yew::Renderer::<components::App>::with_root_and_props(host, props).render();
    Ok(WidgetHandle { commands })
}
