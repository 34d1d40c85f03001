// Baton loader: the one script a site embeds.
//
//   <script src="https://chat.example.com/widget/baton.js" data-bot="demo" defer></script>
//
// It draws the launcher at once inside a shadow root (so the host page's CSS
// cannot reach it) and loads the WebAssembly widget only when the visitor
// shows intent (hover, focus, click) or the page goes idle. Nothing inline:
// it runs under a CSP of script-src 'self' 'wasm-unsafe-eval'; style-src 'self'.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__batonLoaded) return;
  window.__batonLoaded = true;
  var base = new URL(".", script.src).href;
  var data = script.dataset;
  var config = {
    server: data.server || new URL(script.src).origin,
    bot: data.bot || "default",
    title: data.title || null,
    open: false,
  };

  var host = document.createElement("div");
  host.setAttribute("data-baton", "");
  var root = host.attachShadow({ mode: "open" });
  var css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = base + "widget.css";
  root.appendChild(css);
  if (data.color) host.style.setProperty("--baton-accent", data.color);
  if (data.position === "left") host.classList.add("baton-left");

  var launcher = document.createElement("button");
  launcher.type = "button";
  launcher.className = "baton-launcher";
  launcher.setAttribute("aria-label", "Open chat");
  var icon = document.createElement("span");
  icon.className = "baton-launcher-icon";
  icon.setAttribute("aria-hidden", "true");
  launcher.appendChild(icon);
  var shell = document.createElement("div");
  shell.className = "baton";
  shell.appendChild(launcher);
  root.appendChild(shell);

  var loading = null;
  function load() {
    if (!loading) {
      loading = import(base + "baton_widget.js").then(function (mod) {
        return mod.default({ module_or_path: base + "baton_widget_bg.wasm" }).then(function () {
          return mod;
        });
      });
    }
    return loading;
  }
  function start(open) {
    load().then(function (mod) {
      if (shell.parentNode) {
        config.open = open;
        root.removeChild(shell);
        mod.mount(root, JSON.stringify(config));
      }
    }, function (err) {
      loading = null;
      console.error("Baton: the chat could not load", err);
    });
  }
  launcher.addEventListener("click", function () { start(true); });
  launcher.addEventListener("pointerenter", load, { once: true });
  launcher.addEventListener("focus", load, { once: true });

  function attach() {
    document.body.appendChild(host);
    // Mount on idle so a returning visitor's conversation (and unread badge)
    // is live without a click; the launcher is usable before that.
    var idle = window.requestIdleCallback || function (f) { return setTimeout(f, 1500); };
    idle(function () { start(false); });
  }
  if (document.body) attach();
  else document.addEventListener("DOMContentLoaded", attach);
})();
