// Baton loader: the one script a site embeds.
//
//   <script src="https://chat.example.com/widget/baton.js" data-bot="demo" defer></script>
//
// It draws the launcher at once inside a shadow root (so the host page's CSS
// cannot reach it). A new visitor costs the page nothing more until they
// show intent: on idle the widget's bytes are prefetched into the HTTP cache,
// on hover or focus they are compiled, and only a click (or Baton.open())
// starts the widget, its socket and its conversation. A returning visitor
// (a conversation in storage) gets the widget mounted closed on idle, so
// replies and the unread badge arrive with the panel shut. Nothing inline:
// it runs under a CSP of script-src 'self' 'wasm-unsafe-eval'; style-src 'self'.
//
// Host page API (usable before the widget has loaded; calls are queued):
//   Baton.open() / Baton.close() / Baton.toggle()
//   Baton.identify({ name, email })
//   Baton.on(event, callback) / Baton.off(event, callback)
//     events: "open", "close", "unread" (count), "agent_joined" (name), "resolved"
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.Baton) return;
  var base = new URL(".", script.src).href;
  var data = script.dataset;
  var config = {
    server: data.server || new URL(script.src).origin,
    bot: data.bot || "default",
    title: data.title || null,
    locale: data.locale || null,
    open: false,
  };
  var listeners = {};
  var queued = [];
  var handle = null;

  function emit(name, detail) {
    (listeners[name] || []).slice().forEach(function (callback) {
      try { callback(detail); } catch (err) { console.error(err); }
    });
  }

  // A custom element (page rules for div, section… miss it) whose own
  // layout is pinned with inline !important declarations, which beat any
  // page stylesheet; everything else lives in the shadow root.
  var host = document.createElement("baton-chat");
  host.setAttribute("data-baton", "");
  var side = data.position === "left" ? "left" : "right";
  var pinned = {
    display: "block", position: "fixed", "z-index": "2147483000", bottom: "20px", top: "auto",
    width: "auto", height: "auto", margin: "0", padding: "0", border: "0", visibility: "visible",
    opacity: "1", transform: "none", filter: "none", "pointer-events": "auto", "font-size": "15px",
    zoom: "1", contain: "none", "clip-path": "none", "mix-blend-mode": "normal", isolation: "isolate",
  };
  pinned[side] = "20px";
  pinned[side === "left" ? "right" : "left"] = "auto";
  Object.keys(pinned).forEach(function (key) { host.style.setProperty(key, pinned[key], "important"); });
  var root = host.attachShadow({ mode: "open" });
  var css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = base + "widget.css";
  root.appendChild(css);
  if (data.color) host.style.setProperty("--baton-accent", data.color);
  if (side === "left") host.classList.add("baton-left");
  if (data.theme === "dark" || data.theme === "light") host.classList.add("baton-" + data.theme);

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
      // The WebAssembly is fetched beside the glue, not after it has run;
      // its Response is compiled as it streams in.
      var wasm = fetch(base + "baton_widget_bg.wasm");
      wasm.catch(function () {});
      loading = import(base + "baton_widget.js").then(function (mod) {
        return mod.default({ module_or_path: wasm }).then(function () {
          return mod;
        });
      });
    }
    return loading;
  }
  function start(open) {
    return load().then(function (mod) {
      if (!handle) {
        config.open = open;
        config.focus = root.activeElement === launcher;
        root.removeChild(shell);
        handle = mod.mount(root, JSON.stringify(config), emit);
        queued.splice(0).forEach(function (call) { call(handle); });
      } else if (open) {
        // A click while an idle start was already loading: that start
        // mounted closed, so open now rather than lose the click.
        handle.open();
      }
      return handle;
    }, function (err) {
      loading = null;
      console.error("Baton: the chat could not load", err);
    });
  }
  function later(call, open) {
    if (handle) call(handle);
    else { queued.push(call); start(open); }
  }
  // Kept for the mount, which applies it; it alone is not intent.
  function whenMounted(call) {
    if (handle) call(handle);
    else queued.push(call);
  }

  // The widget keeps its conversation under this key (widget/src/web/storage.rs).
  function returning() {
    try { return !!window.localStorage.getItem("baton:" + config.bot); } catch (err) { return false; }
  }
  function prefetch() {
    [base + "baton_widget.js", base + "baton_widget_bg.wasm"].forEach(function (href) {
      var link = document.createElement("link");
      link.rel = "prefetch";
      link.href = href;
      document.head.appendChild(link);
    });
  }

  window.Baton = {
    open: function () { later(function (h) { h.open(); }, true); },
    close: function () { if (handle) handle.close(); },
    toggle: function () { later(function (h) { h.toggle(); }, false); },
    identify: function (who) {
      who = who || {};
      whenMounted(function (h) { h.identify(who.name || null, who.email || null); });
    },
    on: function (name, callback) { (listeners[name] = listeners[name] || []).push(callback); },
    off: function (name, callback) {
      listeners[name] = (listeners[name] || []).filter(function (f) { return f !== callback; });
    },
  };

  launcher.addEventListener("click", function () { start(true); });
  launcher.addEventListener("pointerenter", load, { once: true });
  launcher.addEventListener("focus", load, { once: true });

  function attach() {
    document.body.appendChild(host);
    // On idle: a returning visitor's conversation (and unread badge) goes
    // live without a click; a new visitor's widget is only prefetched.
    var idle = window.requestIdleCallback || function (f) { return setTimeout(f, 1500); };
    idle(function () {
      if (returning()) start(false);
      else if (!loading) prefetch();
    });
  }
  if (document.body) attach();
  else document.addEventListener("DOMContentLoaded", attach);
})();
