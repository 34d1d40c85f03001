// Rich text (PROTOCOL.md §11). The demo bot's returns answer arrives as a
// numbered list with bold; an operator formats a reply with the inbox's
// format bar (Bold, Ctrl+I, List, Link) and the widget and the inbox both
// show <strong>, <em>, <ul><li> and a safe <a>. Then an XSS corpus, sent by
// the visitor and by the operator, shows as the text it is on both sides:
// no element beyond the markup's own, no script-capable link, no dialog.
// Dana ends Offline and the chat resolved, as later specs expect.
import { expect, test, type Locator, type Page } from '@playwright/test';
import { availableOperator, handOver, openWidget, say, watchErrors } from './support';

/** The elements the markup may build (§11.1); anything else was injected. */
const MARKUP_TAGS = ['P', 'UL', 'OL', 'LI', 'STRONG', 'EM', 'CODE', 'A', 'BR'];

/** What each hostile text must show as (its textContent), and which
 *  elements of the markup it may legitimately make. */
const CORPUS: { text: string; shown?: string; makes?: string[] }[] = [
  { text: '<img src=x onerror=alert(1)>' },
  { text: '<script>alert(2)</script>' },
  { text: '"><svg onload=alert(3)>' },
  { text: "'><iframe src=javascript:alert(4)>" },
  { text: '<a href="javascript:alert(5)">click</a>' },
  { text: '[click](javascript:alert(6))' },
  { text: '[click](JaVaScRiPt:alert(7))' },
  { text: '[x](data:text/html,<script>alert(8)</script>)' },
  { text: '[x](vbscript:msgbox(9))' },
  { text: '[relative](/inbox/)' },
  { text: 'javascript:alert(10)' },
  { text: '&lt;b&gt;not bold&lt;/b&gt; &amp; &#60;i&#62;' },
  // The url has a space: no link; what is left holds a bare url, linked as text.
  { text: '[ok](https://a.example" onmouseover="alert(11))', makes: ['A'] },
  { text: '**<b onmouseover=alert(12)>x</b>**', shown: '<b onmouseover=alert(12)>x</b>', makes: ['STRONG'] },
  { text: '`<script>alert(13)</script>`', shown: '<script>alert(13)</script>', makes: ['CODE'] },
  { text: '[<img src=x onerror=alert(14)>](https://a.example)', shown: '<img src=x onerror=alert(14)>', makes: ['A'] },
];

/** Selects `part` of the textarea's value (the first occurrence). */
async function select(box: Locator, part: string) {
  await box.evaluate((el: HTMLTextAreaElement, p) => {
    const at = el.value.indexOf(p);
    if (at < 0) throw new Error(`"${p}" is not in the reply box`);
    el.focus();
    el.setSelectionRange(at, at + p.length);
  }, part);
}

/** Tag names of every element inside `bubble`, and the hrefs of its links. */
async function anatomy(bubble: Locator): Promise<{ tags: string[]; hrefs: string[]; text: string }> {
  return bubble.evaluate((el) => ({
    tags: [...el.querySelectorAll('*')].map((e) => e.tagName),
    hrefs: [...el.querySelectorAll('a')].map((a) => a.getAttribute('href') ?? ''),
    text: el.textContent ?? '',
  }));
}

/** `bubble` shows `item` as text: only the markup's own elements, exactly
 *  those it may make, links only to http(s), and no attribute that runs
 *  script on any element. */
async function expectLiteral(bubble: Locator, item: (typeof CORPUS)[number]) {
  const got = await anatomy(bubble);
  expect(got.text, item.text).toBe(item.shown ?? item.text);
  expect(got.tags.filter((t) => !['P'].includes(t)), item.text).toEqual(item.makes ?? []);
  expect(got.tags.every((t) => MARKUP_TAGS.includes(t)), item.text).toBe(true);
  for (const href of got.hrefs) expect(href, item.text).toMatch(/^https?:\/\//);
  const handlers = await bubble.evaluate((el) =>
    [el, ...el.querySelectorAll('*')].flatMap((e) => e.getAttributeNames().filter((n) => n.startsWith('on'))),
  );
  expect(handlers, item.text).toEqual([]);
}

/** The reply Dana formats, as elements: bold, italic, a list and a safe link. */
async function expectFormatted(message: Locator) {
  await expect(message.locator('strong')).toHaveText('free');
  await expect(message.locator('em')).toHaveText('members');
  await expect(message.locator('ul > li')).toHaveText(['label printed', 'parcel posted']);
  const link = message.getByRole('link', { name: 'the policy' });
  await expect(link).toHaveAttribute('href', 'https://shop.example/returns');
  await expect(link).toHaveAttribute('rel', 'noopener noreferrer');
  await expect(link).toHaveAttribute('target', '_blank');
  await expect(message).not.toContainText('**');
  await expect(message).not.toContainText('](');
}

/** `bubble` holds the whole corpus, one item a line: each line shows as
 *  its item's text, and the elements are the paragraph, its breaks and what
 *  the items may make. */
async function expectLiteralLines(bubble: Locator) {
  await expect(bubble).toHaveCount(1);
  const got = await bubble.evaluate((el: HTMLElement) => ({
    lines: el.innerText.split('\n'),
    tags: [...el.querySelectorAll('*')].map((e) => e.tagName).filter((t) => t !== 'P' && t !== 'BR'),
    hrefs: [...el.querySelectorAll('a')].map((a) => a.getAttribute('href') ?? ''),
    handlers: [el, ...el.querySelectorAll('*')].flatMap((e) => e.getAttributeNames().filter((n) => n.startsWith('on'))),
  }));
  expect(got.lines).toEqual(CORPUS.map((item) => item.shown ?? item.text));
  expect(got.tags.sort()).toEqual(CORPUS.flatMap((item) => item.makes ?? []).sort());
  for (const href of got.hrefs) expect(href).toMatch(/^https?:\/\//);
  expect(got.handlers).toEqual([]);
}

function failOnDialog(page: Page, fired: string[]) {
  page.on('dialog', (d) => {
    fired.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
}

test('formatted replies render as elements on both sides; hostile text stays text', async ({ browser }) => {
  test.setTimeout(150_000);
  const { context: danaContext, page: dana } = await availableOperator(browser);
  const visitorContext = await browser.newContext();
  const visitor = await visitorContext.newPage();
  const errors = watchErrors(visitor);
  const inboxErrors = watchErrors(dana);
  const dialogs: string[] = [];
  failOnDialog(visitor, dialogs);
  failOnDialog(dana, dialogs);
  try {
    // ---- The bot's returns answer (demo/knowledge.toml) uses a list and bold.
    const widget = await openWidget(visitor);
    await say(widget, 'Can I return something?');
    const answer = widget.locator('.baton-msg.is-bot').filter({ hasText: 'within 30 days' });
    await expect(answer.locator('strong')).toHaveText('within 30 days');
    await expect(answer.locator('ol > li')).toHaveCount(3);
    await expect(answer.locator('ol > li').first()).toContainText('Open the Orders page');
    await expect(answer.locator('em')).toHaveText('Orders');
    await expect(answer).not.toContainText('**');

    await handOver(widget, dana);
    const inboxAnswer = dana.getByRole('log').locator('.msg-bot').filter({ hasText: 'within 30 days' });
    await expect(inboxAnswer.locator('strong')).toHaveText('within 30 days');
    await expect(inboxAnswer.locator('ol > li')).toHaveCount(3);

    // ---- Dana formats a reply with the format bar and the keyboard.
    const box = dana.getByLabel('Reply');
    const bar = dana.getByRole('toolbar', { name: 'Formatting' });
    await box.fill('Returns are free for members:\nlabel printed\nparcel posted\nRead the policy');
    await select(box, 'free');
    await bar.getByRole('button', { name: 'Bold' }).click();
    await expect(box).toHaveValue(/Returns are \*\*free\*\* for/);
    await select(box, 'members');
    await box.press('ControlOrMeta+i');
    await expect(box).toHaveValue(/for _members_:/);
    await select(box, 'label printed\nparcel posted');
    await bar.getByRole('button', { name: 'List' }).click();
    await expect(box).toHaveValue(/\n- label printed\n- parcel posted\n/);
    await select(box, 'the policy');
    await bar.getByRole('button', { name: 'Link' }).click();
    // The link's target is selected: typing replaces it.
    await dana.keyboard.type('https://shop.example/returns');
    await expect(box).toHaveValue(
      'Returns are **free** for _members_:\n- label printed\n- parcel posted\nRead [the policy](https://shop.example/returns)',
    );
    // The toolbar is one tab stop; arrows move along it.
    await bar.getByRole('button', { name: 'Bold' }).focus();
    await dana.keyboard.press('ArrowRight');
    await expect(bar.getByRole('button', { name: 'Italic' })).toBeFocused();
    await expect(bar.locator('button[tabindex="0"]')).toHaveCount(1);
    await box.focus();
    await box.press('Enter');
    await expect(box).toHaveValue('');

    // ---- The widget shows elements, not marks; so does the inbox, its link
    // titled with where it goes.
    await expectFormatted(widget.locator('.baton-msg.is-operator').filter({ hasText: 'Returns are free' }));
    const sent = dana.getByRole('log').locator('.msg-operator').filter({ hasText: 'Returns are free' });
    await expectFormatted(sent);
    await expect(sent.getByRole('link')).toHaveAttribute('title', 'https://shop.example/returns');

    // ---- Screenshots of the formatted exchange, desktop and phone.
    await visitor.screenshot({ path: test.info().outputPath('widget-rich.png') });
    await dana.screenshot({ path: test.info().outputPath('inbox-rich.png') });
    await visitor.setViewportSize({ width: 375, height: 740 });
    await dana.setViewportSize({ width: 375, height: 740 });
    await visitor.screenshot({ path: test.info().outputPath('widget-rich-375.png') });
    await dana.screenshot({ path: test.info().outputPath('inbox-rich-375.png') });
    await visitor.setViewportSize({ width: 1280, height: 720 });
    await dana.setViewportSize({ width: 1280, height: 720 });

    // ---- The visitor sends the corpus, one item a line, in one message (the
    // visitor socket's rate limit would refuse one message an item): each
    // line shows as the text it is, on both sides.
    const visitorBox = widget.getByRole('textbox', { name: 'Message' });
    await visitorBox.fill(CORPUS.map((item) => item.text).join('\n'));
    await visitorBox.press('Enter');
    const hostile = widget.locator('.baton-msg.is-visitor:not(.is-pending) .baton-bubble').filter({ hasText: 'alert(14)' });
    await expectLiteralLines(hostile);
    await expectLiteralLines(dana.getByRole('log').locator('.msg-visitor .bubble').filter({ hasText: 'alert(14)' }));
    // ---- Right-to-left text keeps its direction with marks in it.
    const arabic = 'مرحبا **بالعالم** و _شكرا_';
    await visitorBox.fill(arabic);
    await visitorBox.press('Enter');
    const rtl = widget.locator('.baton-msg.is-visitor .baton-bubble').filter({ hasText: 'بالعالم' });
    await expect(rtl.locator('strong')).toHaveText('بالعالم');
    // Retried: the bubble is re-made when the send settles (a detached one reads '').
    await expect(rtl).toHaveCSS('direction', 'rtl');
    const rtlInInbox = dana.getByRole('log').locator('.msg-visitor .bubble').filter({ hasText: 'بالعالم' });
    await expect(rtlInInbox.locator('em')).toHaveText('شكرا');
    await expect(rtlInInbox).toHaveCSS('direction', 'rtl');

    // ---- Dana sends the corpus too.
    for (const item of CORPUS) {
      await box.fill(item.text);
      await box.press('Enter');
      const shown = item.shown ?? item.text;
      const inInbox = dana.getByRole('log').locator('.msg-operator:not(.msg-pending) .bubble').last();
      await expect(inInbox).toHaveText(shown);
      await expectLiteral(inInbox, item);
      const inWidget = widget.locator('.baton-msg.is-operator .baton-bubble').last();
      await expect(inWidget).toHaveText(shown);
      await expectLiteral(inWidget, item);
    }
    // Nothing ran, nothing loaded: no dialog, no request for `x`, no errors.
    expect(dialogs).toEqual([]);
    await expect(widget.locator('.baton-log img, .baton-log script, .baton-log svg, .baton-log iframe')).toHaveCount(0);
    await expect(dana.getByRole('log').locator('img, script, svg, iframe')).toHaveCount(0);

    // ---- Dana resolves the chat and goes Offline.
    await dana.getByRole('button', { name: 'Resolve', exact: true }).click();
    await dana.getByRole('dialog').getByRole('button', { name: 'Resolve' }).click();
    await expect(dana.locator('.head-state')).toHaveText(/^Resolved/);
    await dana.getByLabel('My status').selectOption('offline');
    await expect(dana.getByLabel('My status')).toHaveValue('offline');
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    expect(inboxErrors).toEqual([]);
  } finally {
    await visitorContext.close();
    await danaContext.close();
  }
});
