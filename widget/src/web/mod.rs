//! The browser side: mounting into the host page's shadow root, the driver,
//! storage, and the components.

mod components;
mod driver;
mod storage;
mod strings;

use serde::Deserialize;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// What the loader (`baton.js`) passes in, read from its script tag's data
/// attributes.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Config {
    /// The Baton server's origin, e.g. `https://chat.example.com`.
    pub server: String,
    pub bot: String,
    /// Open the panel as soon as it mounts (the visitor clicked the loader's
    /// launcher before the WebAssembly arrived).
    #[serde(default)]
    pub open: bool,
    /// The panel's title.
    #[serde(default)]
    pub title: Option<String>,
}

impl Config {
    fn socket_url(&self) -> String {
        let base = self.server.trim_end_matches('/');
        let ws = base.replacen("https://", "wss://", 1).replacen("http://", "ws://", 1);
        format!("{ws}/ws/visitor?bot={}", js_sys::encode_uri_component(&self.bot))
    }
}

/// Renders the widget into `root` (the loader's shadow root).
#[wasm_bindgen]
pub fn mount(root: web_sys::ShadowRoot, config_json: &str) -> Result<(), JsValue> {
    let config: Config =
        serde_json::from_str(config_json).map_err(|e| JsValue::from_str(&format!("Baton: bad config: {e}")))?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("Baton: no document")?;
    let host = document.create_element("div")?;
    host.set_class_name("baton");
    root.append_child(&host)?;
    yew::Renderer::<components::App>::with_root_and_props(
        host,
        components::AppProps {
            config: Rc::new(config),
        },
    )
    .render();
    Ok(())
}
