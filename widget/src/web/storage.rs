//! Where the widget keeps what must survive a reload: `localStorage`, or
//! memory when the browser blocks storage (private modes, third-party
//! storage partitioning) — the chat then still works for the page's life.

use crate::machine::Stored;
use std::cell::RefCell;

#[derive(Debug)]
pub struct Storage {
    key: String,
    local: Option<web_sys::Storage>,
    memory: RefCell<Option<String>>,
}

impl Storage {
    pub fn open(bot: &str) -> Storage {
        let local = web_sys::window().and_then(|w| w.local_storage().ok().flatten());
        Storage {
            key: ["baton:", bot].concat(),
            local,
            memory: RefCell::new(None),
        }
    }

    pub fn load(&self) -> Stored {
        let text = self
            .local
            .as_ref()
            .and_then(|s| s.get_item(&self.key).ok().flatten())
            .or_else(|| self.memory.borrow().clone());
        text.map(|t| Stored::from_json(&t)).unwrap_or_default()
    }

    pub fn save(&self, stored: &Stored) {
        let text = stored.to_json();
        let saved = self
            .local
            .as_ref()
            .is_some_and(|s| s.set_item(&self.key, &text).is_ok());
        if !saved {
            *self.memory.borrow_mut() = Some(text);
        }
    }

    /// `baton:{bot}:{name}` (concatenated: `format!` costs WebAssembly).
    fn flag_key(&self, name: &str) -> String {
        [self.key.as_str(), ":", name].concat()
    }

    pub fn load_flag(&self, name: &str) -> bool {
        self.local
            .as_ref()
            .and_then(|s| s.get_item(&self.flag_key(name)).ok().flatten())
            .as_deref()
            == Some("1")
    }

    pub fn save_flag(&self, name: &str, value: bool) {
        if let Some(s) = &self.local {
            let _ = s.set_item(&self.flag_key(name), if value { "1" } else { "0" });
        }
    }
}
