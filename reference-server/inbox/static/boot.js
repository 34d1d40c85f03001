// Loads the inbox (wasm-bindgen output next to this file). Kept out of the
// page so the CSP needs no inline script.
import init from './baton_inbox.js';

init();
