// The host page's JS API (window.Baton) and keyboard operation of the widget.
import { expect, test, type Page } from '@playwright/test';
import { signIn, watchErrors } from './support';

test('the host page drives the widget through window.Baton and hears its events', async ({ browser }) => {
  const operator = await (await browser.newContext()).newPage();
  const visitor = await (await browser.newContext()).newPage();
  const errors = watchErrors(visitor);
  await signIn(operator);
  await visitor.goto('/');
  const widget = visitor.locator('[data-baton]');

  // Listeners registered before the widget has loaded; open() is queued.
  await visitor.evaluate(() => {
    const w = window as unknown as { Baton: any; seen: string[] };
    w.seen = [];
    for (const name of ['open', 'close', 'unread']) {
      w.Baton.on(name, (detail: unknown) => w.seen.push(detail == null ? name : `${name}:${detail}`));
    }
    w.Baton.open();
    w.Baton.identify({ name: 'Sam Visitor', email: 'sam@example.com' });
  });
  await expect(widget.getByRole('dialog')).toBeVisible();
  await expect.poll(() => visitor.evaluate(() => (window as any).seen)).toContain('open');

  // identify() names the visitor in the operator's list.
  const box = widget.getByRole('textbox', { name: 'Message' });
  await box.fill('Hello there');
  await box.press('Enter');
  await expect(operator.getByRole('listitem').filter({ hasText: 'Sam Visitor' })).toBeVisible();

  // close() closes and tells the page; toggle() opens again.
  await visitor.evaluate(() => (window as any).Baton.close());
  await expect(widget.getByRole('dialog')).toHaveCount(0);
  await expect.poll(() => visitor.evaluate(() => (window as any).seen)).toContain('close');
  await visitor.evaluate(() => (window as any).Baton.toggle());
  await expect(widget.getByRole('dialog')).toBeVisible();
  // Each open and close was told once, in order (mounting is neither).
  await expect
    .poll(() => visitor.evaluate(() => (window as any).seen.filter((e: string) => e === 'open' || e === 'close')))
    .toEqual(['open', 'close', 'open']);
  expect(errors).toEqual([]);
});

/** A visitor who chatted on this site before: the widget keeps its
 * conversation under `baton:<bot>`; `{}` is a stored state with nothing in it
 * yet, which is enough for the loader to mount on idle. */
async function returning(page: Page) {
  await page.addInitScript(() => {
    if (!localStorage.getItem('baton:demo')) localStorage.setItem('baton:demo', '{}');
  });
}

/** Holds the widget's WebAssembly back until `release` is called, so the
 * widget surely mounts after what the test does first; `requested` settles
 * once the loader has asked for it. */
async function holdWidget(page: Page): Promise<{ release: () => void; requested: Promise<void> }> {
  let release = () => {};
  let asked = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  const requested = new Promise<void>((resolve) => (asked = resolve));
  await page.route('**/baton_widget_bg.*.wasm', async (route) => {
    asked();
    await held;
    await route.continue();
  });
  return { release, requested };
}

test('a new visitor costs the page no socket and no widget until they show intent', async ({ page }) => {
  const errors = watchErrors(page);
  const sockets: string[] = [];
  page.on('websocket', (ws) => sockets.push(ws.url()));
  const { requested } = await holdWidget(page);
  await page.goto('/');
  // On idle the bytes are prefetched, nothing more.
  await requested;
  await page.evaluate(() => new Promise((r) => requestIdleCallback(() => setTimeout(r, 500))));
  // A host page naming its user is not intent either.
  await page.evaluate(() => (window as any).Baton.identify({ name: 'Page view only' }));
  await page.waitForTimeout(300);
  expect(sockets).toEqual([]);
  await expect(page.locator('[data-baton] .baton[lang]')).toHaveCount(0);
  expect(await page.evaluate(() => localStorage.getItem('baton:demo'))).toBeNull();
  expect(errors).toEqual([]);
});

test('a click starts the widget for a new visitor, and the next page view resumes it on idle', async ({ page }) => {
  const errors = watchErrors(page);
  const sockets: string[] = [];
  page.on('websocket', (ws) => sockets.push(ws.url()));
  await page.goto('/');
  await page.locator('[data-baton] .baton-launcher').click();
  const widget = page.locator('[data-baton]');
  await expect(widget.getByRole('dialog')).toBeVisible();
  expect(sockets).toHaveLength(1);
  const box = widget.getByRole('textbox', { name: 'Message' });
  await box.fill('Do you do refunds?');
  await box.press('Enter');
  await expect(widget.locator('.baton-msg.is-bot').filter({ hasText: '30 days' })).toBeVisible();
  // Another page of the shop: the panel comes back as it was, open.
  await page.goto('/');
  await expect(widget.getByRole('dialog')).toBeVisible();
  await expect.poll(() => sockets.length).toBe(2);
  // Closed, then another page: the conversation is live again without a
  // click, the panel stays shut.
  await page.keyboard.press('Escape');
  await expect(widget.getByRole('dialog')).toHaveCount(0);
  await page.goto('/');
  await expect(widget.locator('.baton[lang]')).toHaveCount(1);
  await expect.poll(() => sockets.length).toBe(3);
  await expect(widget.getByRole('dialog')).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('loading the widget never takes focus from the host page', async ({ page }) => {
  const errors = watchErrors(page);
  await returning(page);
  const { release } = await holdWidget(page);
  await page.goto('/');
  const link = page.getByRole('link', { name: 'Jackets' });
  await link.focus();
  release();
  // The real launcher replaces the loader's stand-in.
  await expect(page.locator('[data-baton] .baton[lang]')).toHaveCount(1);
  await expect(page.locator('[data-baton] .baton-launcher')).toHaveCount(1);
  await expect(link).toBeFocused();
  expect(errors).toEqual([]);
});

test('the real launcher keeps the focus the stand-in launcher had', async ({ page }) => {
  const errors = watchErrors(page);
  await returning(page);
  const { release } = await holdWidget(page);
  await page.goto('/');
  const launcher = page.locator('[data-baton] .baton-launcher');
  await launcher.focus();
  release();
  await expect(page.locator('[data-baton] .baton[lang]')).toHaveCount(1);
  await expect(launcher).toBeFocused();
  expect(errors).toEqual([]);
});

test('a click while the widget is still loading on idle opens it', async ({ page }) => {
  const errors = watchErrors(page);
  await returning(page);
  const { release, requested } = await holdWidget(page);
  await page.goto('/');
  // The page went idle and the loader started fetching the widget, to mount
  // it closed; the visitor clicks the stand-in launcher meanwhile.
  await requested;
  await page.getByRole('button', { name: 'Open chat' }).click();
  release();
  await expect(page.locator('[data-baton]').getByRole('dialog')).toBeVisible();
  expect(errors).toEqual([]);
});

test('the widget works from the keyboard alone', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/');
  const widget = page.locator('[data-baton]');
  const launcher = widget.getByRole('button', { name: 'Open chat' });
  await launcher.focus();
  await page.keyboard.press('Enter');
  const dialog = widget.getByRole('dialog');
  await expect(dialog).toBeVisible();
  // Focus moves into the message box; Enter sends.
  const box = widget.getByRole('textbox', { name: 'Message' });
  await expect(box).toBeFocused();
  await page.keyboard.type('Do you do refunds?');
  await page.keyboard.press('Enter');
  await expect(widget.locator('.baton-msg.is-bot').filter({ hasText: '30 days' })).toBeVisible();
  // The log announces new messages politely.
  await expect(widget.getByRole('log')).toHaveAttribute('aria-live', 'polite');
  // Escape closes and gives focus back to the launcher.
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await expect(widget.getByRole('button', { name: 'Open chat' })).toBeFocused();
  expect(errors).toEqual([]);
});

test('the browser gets the widget and inbox compressed, content-named and cached for good', async ({ page }) => {
  const seen = new Map<string, Record<string, string>>();
  page.on('response', (r) => seen.set(new URL(r.url()).pathname, r.headers()));
  await page.goto('/');
  await page.locator('[data-baton] .baton-launcher').click();
  await expect(page.locator('[data-baton] .baton[lang]')).toHaveCount(1);
  const wasm = [...seen.keys()].find((p) => /^\/widget\/baton_widget_bg\.[0-9a-f]{10}\.wasm$/.test(p));
  expect(wasm, `a content-named wasm among ${[...seen.keys()].join(', ')}`).toBeTruthy();
  const headers = seen.get(wasm!)!;
  expect(headers['content-encoding']).toBe('br');
  expect(headers['content-type']).toBe('application/wasm');
  expect(headers['cache-control']).toContain('immutable');
  expect(seen.get('/widget/baton.js')!['cache-control']).toContain('max-age=300');

  await page.goto('/inbox/');
  await expect(page.getByRole('button', { name: /sign in/i })).toBeVisible();
  const inboxWasm = [...seen.keys()].find((p) => /^\/inbox\/baton_inbox_bg\.[0-9a-f]{10}\.wasm$/.test(p));
  expect(inboxWasm).toBeTruthy();
  expect(seen.get(inboxWasm!)!['content-encoding']).toBe('br');
  expect(seen.get('/inbox/')!['cache-control']).toBe('no-cache');
});
