// Widget figures for `cargo xtask bench` (issue 11, item 2), against a
// running `baton-server --demo`'s shop page, with Chrome's CPU throttled 4×
// (Lighthouse's mobile setting), each run in a fresh browser context (cold
// cache):
//   load_ms       main-thread time the widget adds to the page's load before
//                 any intent: Performance.getMetrics TaskDuration of the page
//                 minus that of the same page with baton.js blocked, both
//                 read after the page has been idle for a while (the loader's
//                 idle prefetch is included); each run takes the median of
//                 LOAD_PAIRS such pairs, as one pair's difference spreads by
//                 ±100 ms on this kind of machine;
//   load_js_ms    the widget's own JavaScript/WebAssembly time on load, from
//                 the sampling profiler (frames whose script is under /widget/):
//                 steadier than load_ms on a busy machine, but without the
//                 style and layout work the widget causes;
//   usable_ms     click on the launcher → the message box is shown and
//                 enabled (timed in the page: the click event's timestamp to
//                 the mutation that made the box usable);
//   click_ms      main-thread time (TaskDuration) from the click until 1 s
//                 after the box became usable; click_js_ms the widget's own
//                 script time in that span, from the profiler;
//   widget_bytes  bytes on the wire (encodedDataLength) of everything under
//                 /widget/ after the click, as served (the encoding is
//                 reported), headers included; body_bytes without the
//                 response headers; loader_bytes baton.js alone (headers included).
// Prints one line per run and, last, `widget {json}` with the medians.
//
//   node tests/bench/widget.mjs PORT [RUNS]
import { chromium } from '@playwright/test';

const port = process.argv[2] ?? '8080';
const runs = Number(process.argv[3] ?? '5');
const base = `http://127.0.0.1:${port}`;
const IDLE_MS = 3000;
const LOAD_PAIRS = 3;
const browser = await chromium.launch({
  executablePath: process.env.BATON_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});

async function open(blockLoader) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB' });
  const page = await context.newPage();
  if (blockLoader) await page.route('**/widget/baton.js', (route) => route.abort());
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  await cdp.send('Network.enable');
  // Chrome offers brotli only over HTTPS; ask for it here too so the bytes
  // are what a real (HTTPS) site's visitors download.
  await cdp.send('Network.setAcceptedEncodings', { encodings: ['br', 'gzip', 'deflate'] }).catch(() => {});
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  const requests = new Map();
  cdp.on('Network.responseReceived', (e) => {
    if (e.response.url.includes('/widget/')) {
      const encoding = e.response.headers['content-encoding'] ?? e.response.headers['Content-Encoding'] ?? 'identity';
      // So far only the headers have arrived: what follows is the body.
      requests.set(e.requestId, { url: e.response.url, encoding, headers: e.response.encodedDataLength ?? 0, bytes: 0 });
    }
  });
  cdp.on('Network.loadingFinished', (e) => {
    const r = requests.get(e.requestId);
    if (r) r.bytes = e.encodedDataLength;
  });
  // Profiled with or without the loader, so the profiler's own overhead
  // cancels out of load_ms.
  await startProfiler(cdp);
  await page.goto(`${base}/`, { waitUntil: 'load' });
  await page.waitForTimeout(IDLE_MS);
  const loadJs = await widgetJsMs(cdp);
  return { context, page, cdp, requests, loadJs };
}

// The sampling profiler attributes JavaScript and WebAssembly time to the
// script it ran in: the widget's own share, unlike the TaskDuration
// difference, does not carry the noise of the rest of the page's load.
async function startProfiler(cdp) {
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  await cdp.send('Profiler.start');
}

async function widgetJsMs(cdp) {
  const { profile } = await cdp.send('Profiler.stop');
  const widget = new Set(profile.nodes.filter((n) => n.callFrame.url.includes('/widget/')).map((n) => n.id));
  let us = 0;
  for (let i = 0; i < profile.samples.length - 1; i++) {
    if (widget.has(profile.samples[i])) us += profile.timeDeltas[i + 1];
  }
  return us / 1000;
}

async function taskMs(cdp) {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return metrics.find((m) => m.name === 'TaskDuration').value * 1000;
}

/// One more pair for load_ms: the page without the loader, then with it.
async function loadPair() {
  const bare = await open(true);
  const bareMs = await taskMs(bare.cdp);
  await bare.context.close();
  const w = await open(false);
  return { w, ms: (await taskMs(w.cdp)) - bareMs };
}

async function once() {
  const pairs = [];
  for (let i = 1; i < LOAD_PAIRS; i++) {
    const { w: extra, ms } = await loadPair();
    await extra.context.close();
    pairs.push(ms);
  }
  const { w, ms } = await loadPair();
  pairs.push(ms);
  const loadMs = median(pairs);
  // Time the click in the page: from the click event to the mutation that
  // leaves the message box visible and enabled.
  await w.page.evaluate(() => {
    const host = document.querySelector('[data-baton]');
    window.__bench = new Promise((resolve) => {
      let clicked = null;
      const check = () => {
        const box = host.shadowRoot.getElementById('baton-message');
        if (clicked !== null && box && !box.disabled && box.getClientRects().length > 0) {
          resolve(performance.now() - clicked);
          return true;
        }
        return false;
      };
      window.addEventListener('click', (e) => {
        clicked = e.timeStamp;
        if (!check()) {
          new MutationObserver((_, obs) => check() && obs.disconnect())
            .observe(host.shadowRoot, { subtree: true, childList: true, attributes: true });
        }
      }, { capture: true, once: true });
    });
  });
  await startProfiler(w.cdp);
  const before = await taskMs(w.cdp);
  await w.page.getByRole('button', { name: 'Open chat' }).click();
  const usableMs = await w.page.evaluate(() => window.__bench);
  await w.page.waitForTimeout(1000);
  const clickMs = (await taskMs(w.cdp)) - before;
  const clickJs = await widgetJsMs(w.cdp);
  const all = [...w.requests.values()];
  const loader = all.filter((r) => r.url.endsWith('/baton.js'));
  const sum = (rs) => rs.reduce((n, r) => n + r.bytes, 0);
  const bodies = (rs) => rs.reduce((n, r) => n + r.bytes - r.headers, 0);
  const result = {
    load_ms: loadMs,
    load_js_ms: w.loadJs,
    usable_ms: usableMs,
    click_ms: clickMs,
    click_js_ms: clickJs,
    widget_bytes: sum(all),
    body_bytes: bodies(all),
    loader_bytes: sum(loader),
    encodings: [...new Set(all.map((r) => r.encoding))].join('+'),
  };
  await w.context.close();
  return result;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const results = [];
for (let i = 0; i < runs; i++) {
  const r = await once();
  console.log(`run ${i + 1}: ${JSON.stringify(r)}`);
  results.push(r);
}
await browser.close();
const out = { runs };
for (const key of ['load_ms', 'load_js_ms', 'usable_ms', 'click_ms', 'click_js_ms', 'widget_bytes', 'body_bytes', 'loader_bytes']) {
  out[key] = median(results.map((r) => r[key]));
}
out.encodings = results[0]?.encodings ?? '';
console.log(`widget ${JSON.stringify(out)}`);
