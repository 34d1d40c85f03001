// The widget on a host page whose CSS tries to break it (demo/site/hostile.css:
// `* { all: unset !important }`, `div, button, textarea, … { display: none
// !important; font-size: 40px !important; … }`, rules on `[data-baton]`,
// inherited text properties on <html>). The widget must look exactly as on
// the demo shop and work, under the same strict CSP.
import { expect, test, type Browser, type Locator } from '@playwright/test';
import { join } from 'node:path';
import { say, watchErrors } from './support';

const QUESTION = 'How long does shipping take?';

/** Computed properties that host CSS could change, directly or by inheritance. */
const PROPS = [
  'display',
  'position',
  'visibility',
  'opacity',
  'transform',
  'filter',
  'zoom',
  'pointer-events',
  'z-index',
  'font-size',
  'font-family',
  'font-style',
  'font-weight',
  'line-height',
  'letter-spacing',
  'word-spacing',
  'text-transform',
  'text-align',
  'text-indent',
  'text-shadow',
  'white-space',
  'color',
  '-webkit-text-fill-color',
  'caret-color',
  'cursor',
  'direction',
];

type Look = Record<string, Record<string, string>>;

async function styles(el: Locator): Promise<Record<string, string>> {
  return el.evaluate((node, props) => {
    const style = getComputedStyle(node);
    const box = node.getBoundingClientRect();
    const out: Record<string, string> = { width: `${Math.round(box.width)}`, height: `${Math.round(box.height)}` };
    for (const p of props) out[p] = style.getPropertyValue(p);
    return out;
  }, PROPS);
}

/** Opens `path` in a fresh visitor context, chats with the bot, and records
 *  how the widget's parts look. */
async function exercise(browser: Browser, path: string) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors = watchErrors(page);
  try {
    await page.goto(path);
    const widget = page.locator('[data-baton]');
    const launcher = widget.getByRole('button', { name: 'Open chat' });
    await expect(launcher, 'the launcher shows').toBeVisible();
    // The loader's launcher is replaced by the widget's when it mounts: a
    // measurement across that swap finds nothing, so measure again.
    let box = await launcher.boundingBox();
    for (let i = 0; !box && i < 20; i++) {
      await page.waitForTimeout(100);
      box = await launcher.boundingBox();
    }
    const viewport = page.viewportSize()!;

    await launcher.click();
    await expect(widget.getByRole('dialog')).toBeVisible();
    await say(widget, QUESTION);
    await expect(widget.locator('.baton-msg.is-bot').filter({ hasText: '3–5 days' })).toBeVisible();

    // For people to look at, beside the other screenshots.
    const name = path === '/' ? 'shop' : path.replace(/\W+/g, '-').replace(/^-|-html$/g, '');
    await page.screenshot({ path: join(__dirname, '..', 'test-results', 'screenshots', `${name}-page.png`) });

    await page.mouse.move(0, 0); // no hover effects in what is compared
    await page.waitForTimeout(250);
    const textarea = widget.getByRole('textbox', { name: 'Message' });
    const look: Look = {
      host: await styles(widget),
      launcher: await styles(widget.locator('.baton-launcher')),
      panel: await styles(widget.getByRole('dialog')),
      textarea: await styles(textarea),
      visitorBubble: await styles(widget.locator('.baton-msg.is-visitor .baton-bubble').first()),
      botBubble: await styles(widget.locator('.baton-msg.is-bot .baton-bubble').first()),
    };
    return { look, box, viewport, errors };
  } finally {
    await context.close();
  }
}

test('hostile host-page CSS does not reach or break the widget', async ({ browser }) => {
  const shop = await exercise(browser, '/');
  const hostile = await exercise(browser, '/hostile.html');

  // No CSP violation, no script error, on either page.
  expect(shop.errors).toEqual([]);
  expect(hostile.errors).toEqual([]);

  // The launcher: a 56 px circle in the bottom-right corner. (Soft: every
  // difference is reported, not just the first.)
  const box = hostile.box!;
  expect.soft(box.width, 'launcher width').toBeGreaterThan(52);
  expect.soft(box.width, 'launcher width').toBeLessThan(60);
  expect.soft(box.height, 'launcher height').toBeGreaterThan(52);
  expect.soft(box.height, 'launcher height').toBeLessThan(60);
  expect.soft(hostile.viewport.width - (box.x + box.width), 'launcher near the right edge').toBeLessThan(40);
  expect.soft(hostile.viewport.height - (box.y + box.height), 'launcher near the bottom edge').toBeLessThan(40);

  // The host CSS did not leak in: the message box keeps its 16 px.
  expect.soft(hostile.look.textarea['font-size'], 'message box font-size').toBe('16px');

  // And nothing else differs from the demo shop.
  for (const part of Object.keys(shop.look)) {
    expect.soft(hostile.look[part], `${part}: computed style on the hostile page vs the demo shop`).toEqual(shop.look[part]);
  }
});
