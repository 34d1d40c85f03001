// The far end drops the visitor's socket (a server restart, a proxy timing
// out) while the browser still believes it is online, and refuses the next
// attempts for a while: the widget says so, keeps what the visitor types,
// reconnects by itself with backoff and loses or repeats nothing.
import { expect, test, type WebSocketRoute } from '@playwright/test';
import { openWidget, say, visitorMessage, watchErrors } from './support';

const REFUND_ANSWER = '30 days';
const DELIVERY_ANSWER = 'Standard delivery then takes 3–5 days';

test('a dropped socket comes back by itself and loses nothing', async ({ page }) => {
  const errors = watchErrors(page);
  // Every visitor socket goes through this route, which can end it from the
  // server's side and refuse new ones.
  const live: WebSocketRoute[] = [];
  let refuse = false;
  let attempts = 0;
  await page.routeWebSocket(/\/ws\/visitor/, (ws) => {
    attempts += 1;
    if (refuse) {
      void ws.close({ code: 1013, reason: 'try again later' });
      return;
    }
    ws.connectToServer();
    live.push(ws);
  });

  const widget = await openWidget(page);
  await say(widget, 'Do you do refunds?');
  const bot = widget.locator('.baton-msg.is-bot');
  await expect(bot.filter({ hasText: REFUND_ANSWER })).toHaveCount(1);

  refuse = true;
  const before = attempts;
  for (const ws of live.splice(0)) await ws.close({ code: 1012, reason: 'service restart' });
  const banner = widget.locator('.baton-connection');
  await expect(banner).toHaveText('Connection lost — reconnecting…');

  // Typed while cut off: shown at once, waiting to go.
  const question = 'How long does shipping take?';
  await say(widget, question);
  await expect(visitorMessage(widget, question).locator('.baton-receipt')).toHaveText('Sending…');

  // Refused attempts are just more attempts (spaced out by the backoff).
  await expect.poll(() => attempts, { timeout: 15_000 }).toBeGreaterThanOrEqual(before + 2);
  refuse = false;
  await expect(banner).toHaveCount(0, { timeout: 20_000 });

  // The waiting message went out once and was answered once; nothing from
  // before the drop came again.
  await expect(bot.filter({ hasText: DELIVERY_ANSWER })).toHaveCount(1);
  await expect(visitorMessage(widget, question)).toHaveCount(1);
  await expect(visitorMessage(widget, question).locator('.baton-receipt')).not.toHaveText('Sending…');
  await expect(visitorMessage(widget, 'Do you do refunds?')).toHaveCount(1);
  await expect(bot.filter({ hasText: REFUND_ANSWER })).toHaveCount(1);
  expect(errors).toEqual([]);
});
