// The operator's side of a dropped connection: the inbox notices the network
// going, keeps what the operator does meanwhile, and on its return sends it
// once (same client message id) and catches up on what it missed.
import { expect, test } from '@playwright/test';
import { availableOperator, handOver, inboxMessage, openWidget, operatorMessage, reply, say } from './support';

test('an operator offline for a while loses nothing and sends nothing twice', async ({ browser }) => {
  const { context: inbox, page: operator } = await availableOperator(browser);
  const visitor = await (await browser.newContext()).newPage();
  const widget = await openWidget(visitor);
  await say(widget, 'Is anyone there?');
  await handOver(widget, operator);

  await inbox.setOffline(true);
  await expect(operator.getByText('Reconnecting…')).toBeVisible();
  // Typed while offline: shown as sending, kept, not refused.
  await reply(operator, 'Sorry, my connection dropped.');
  await expect(operator.locator('.msg-pending')).toHaveCount(1);
  // The visitor writes meanwhile.
  await say(widget, 'Hello?');
  await expect(operatorMessage(widget, 'Sorry, my connection dropped.')).toHaveCount(0);

  await inbox.setOffline(false);
  await expect(operator.getByText('Reconnecting…')).toHaveCount(0);
  await expect(operatorMessage(widget, 'Sorry, my connection dropped.')).toHaveCount(1);
  await expect(inboxMessage(operator, 'Sorry, my connection dropped.')).toHaveCount(1);
  await expect(operator.locator('.msg-pending')).toHaveCount(0);
  // The open conversation caught up on what arrived while away.
  await expect(inboxMessage(operator, 'Hello?')).toHaveCount(1);
  // And live events flow again, once each.
  await say(widget, 'Great, thanks.');
  await expect(inboxMessage(operator, 'Great, thanks.')).toHaveCount(1);
});
