// PRODUCT: "The visitor goes offline (browser context offline) for 30 s while
// the operator sends 3 messages and the visitor types 2: after reconnect all 5
// appear exactly once, in order, with correct receipts on both sides. A reload
// mid-conversation restores it."
import { expect, test, type Locator, type Page } from '@playwright/test';
import {
  OPERATOR,
  exactly,
  handOver,
  inboxMessage,
  openWidget,
  operatorAndVisitor,
  operatorMessage,
  reply,
  say,
  visitorMessage,
} from './support';

const WARM_UP_OPERATOR = 'Hi, Dana here. What can I do for you?';
const WARM_UP_VISITOR = 'Where is my order #4411?';
const OPERATOR_TEXTS = [
  'Let me check the courier for you (1/3).',
  'It left our warehouse yesterday (2/3).',
  'It should reach you on Thursday (3/3).',
];
const VISITOR_TEXTS = ['Sorry, my train went into a tunnel.', 'Is Thursday morning possible?'];
const ALL_TEXTS = [WARM_UP_OPERATOR, WARM_UP_VISITOR, ...OPERATOR_TEXTS, ...VISITOR_TEXTS];

/** The conversation's message texts (of this test) in the widget, in DOM order. */
async function widgetTexts(widget: Locator): Promise<string[]> {
  const texts = await widget.locator('.baton-bubble').allTextContents();
  return texts.map((t) => t.trim()).filter((t) => ALL_TEXTS.includes(t));
}

async function inboxTexts(operator: Page): Promise<string[]> {
  const texts = await operator.getByRole('log').locator('.bubble').allTextContents();
  return texts.map((t) => t.trim()).filter((t) => ALL_TEXTS.includes(t));
}

/** Every text of this test shows exactly once in the widget, in order. */
async function expectWholeConversation(widget: Locator) {
  for (const text of ALL_TEXTS) {
    await expect(widget.locator('.baton-bubble', { hasText: exactly(text) }), text).toHaveCount(1);
  }
  expect(await widgetTexts(widget)).toEqual(ALL_TEXTS);
}

/** Failed connection attempts while offline are expected console noise. */
function unexpected(errors: string[]): string[] {
  return errors.filter((e) => !/WebSocket connection to .* failed|ERR_INTERNET_DISCONNECTED|ERR_NETWORK_CHANGED/.test(e));
}

test('a visitor offline for 30 s loses nothing and sees nothing twice', async ({ browser }) => {
  test.setTimeout(150_000);
  await operatorAndVisitor(browser, async ({ operator, visitor, visitorContext, errors }) => {
    const widget = await openWidget(visitor);
    await handOver(widget, operator);

    // Warm up: a message each way; both sides have the conversation in
    // view, so each side's message reaches "Read".
    await reply(operator, WARM_UP_OPERATOR);
    await expect(operatorMessage(widget, WARM_UP_OPERATOR)).toBeVisible();
    await say(widget, WARM_UP_VISITOR);
    await expect(inboxMessage(operator, WARM_UP_VISITOR)).toBeVisible();
    await expect.soft(visitorMessage(widget, WARM_UP_VISITOR).locator('.baton-receipt')).toHaveText('Read');
    await expect.soft(inboxMessage(operator, WARM_UP_OPERATOR).locator('.receipt')).toHaveText('Read');

    // The visitor's network goes away.
    await visitorContext.setOffline(true);
    for (const text of OPERATOR_TEXTS) {
      await reply(operator, text);
      // Stored by the server (no longer "Sending…").
      await expect(inboxMessage(operator, text).locator('.receipt')).toHaveText(/^(Sent|Delivered|Read)$/);
    }
    for (const text of VISITOR_TEXTS) {
      await say(widget, text);
      await expect(visitorMessage(widget, text).locator('.baton-receipt')).toHaveText('Sending…');
    }

    // A real 30 s offline, as the issue asks.
    await visitor.waitForTimeout(30_000);

    // Still offline: nothing has crossed in either direction, and the
    // widget says so. (Soft: the rest of the test still runs.)
    for (const text of OPERATOR_TEXTS) {
      await expect.soft(operatorMessage(widget, text), `"${text}" reached an offline visitor`).toHaveCount(0, { timeout: 1_000 });
      await expect.soft(inboxMessage(operator, text).locator('.receipt'), 'offline visitor: stays "Sent"').toHaveText('Sent', { timeout: 1_000 });
    }
    for (const text of VISITOR_TEXTS) {
      await expect.soft(inboxMessage(operator, text), `"${text}" left an offline browser`).toHaveCount(0, { timeout: 1_000 });
    }
    await expect.soft(widget.locator('.baton-connection'), 'after 30 s offline the widget shows the connection is down').toHaveText(
      'Connection lost — reconnecting…',
      { timeout: 1_000 },
    );

    // Back online: the widget reconnects (it listens for `online`), resumes
    // from its cursor and re-sends its outbox.
    const backOnline = Date.now();
    await visitorContext.setOffline(false);
    await expect(operatorMessage(widget, OPERATOR_TEXTS[2])).toBeVisible({ timeout: 15_000 });
    await expect(inboxMessage(operator, VISITOR_TEXTS[1])).toBeVisible({ timeout: 15_000 });
    console.log(`offline.spec: messages crossed ${Date.now() - backOnline} ms after going back online`);

    // The widget: all five exactly once, in order (the server stored the
    // operator's three before the visitor's two could leave the browser).
    await expectWholeConversation(widget);
    // The inbox: the visitor's two exactly once, and the same order.
    for (const text of [WARM_UP_VISITOR, ...VISITOR_TEXTS]) {
      await expect(operator.getByRole('log').locator('.bubble', { hasText: exactly(text) }), text).toHaveCount(1);
    }
    expect(await inboxTexts(operator)).toEqual(ALL_TEXTS);
    // The log overflows by now, and keeps its newest message in view.
    const log = widget.getByRole('log');
    expect(await log.evaluate((el) => el.scrollHeight > el.clientHeight)).toBe(true);
    await expect.poll(() => log.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight)).toBeLessThan(2);

    // Receipts both ways: the inbox has the conversation open (reports
    // read), the visitor's panel is open in a visible, focused page.
    for (const text of VISITOR_TEXTS) {
      await expect.soft(visitorMessage(widget, text).locator('.baton-receipt'), `widget receipt of "${text}"`).toHaveText('Read');
    }
    for (const text of OPERATOR_TEXTS) {
      await expect.soft(inboxMessage(operator, text).locator('.receipt'), `inbox receipt of "${text}"`).toHaveText('Read');
    }

    // A reload mid-conversation restores it: the panel open, the operator
    // joined, every message once, in order, with its receipt.
    await visitor.reload();
    await expect(widget.getByRole('dialog')).toBeVisible();
    await expect(widget.locator('.baton-joined')).toContainText(`You're chatting with ${OPERATOR.name}`);
    await expect(operatorMessage(widget, OPERATOR_TEXTS[2])).toBeVisible();
    await expectWholeConversation(widget);
    for (const text of [WARM_UP_VISITOR, ...VISITOR_TEXTS]) {
      await expect.soft(visitorMessage(widget, text).locator('.baton-receipt'), `receipt of "${text}" after reload`).toHaveText('Read');
    }
    await expect(widget.getByRole('textbox', { name: 'Message' })).toBeEnabled();

    expect(unexpected(errors)).toEqual([]);
  });
});
