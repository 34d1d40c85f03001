// The whole handover, as a visitor and an operator see it, in two browser
// contexts (two separate people): bot → waiting → human → back to the bot.
import { expect, test, type Page, type Locator } from '@playwright/test';

const OPERATOR = { email: 'dana@demo.baton', password: 'handover-demo', name: 'Dana' };

async function signIn(page: Page) {
  await page.goto('/inbox/');
  await page.getByLabel('Email').fill(OPERATOR.email);
  await page.getByLabel('Password').fill(OPERATOR.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByLabel('My status')).toBeVisible();
}

async function say(widget: Locator, text: string) {
  const box = widget.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
  await expect(widget.locator('.baton-msg.is-visitor').filter({ hasText: text })).toBeVisible();
}

test('a conversation goes from the bot to a person and back', async ({ browser }) => {
  const operator = await (await browser.newContext()).newPage();
  const visitor = await (await browser.newContext()).newPage();
  const consoleErrors: string[] = [];
  visitor.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));

  // The operator signs in and is Offline, as every operator starts.
  await signIn(operator);
  await expect(operator.getByLabel('My status')).toHaveValue('offline');

  // The visitor opens the shop and the chat, and the bot answers.
  await visitor.goto('/');
  await visitor.getByRole('button', { name: 'Open chat' }).click();
  const widget = visitor.locator('[data-baton]');
  await expect(widget.getByRole('dialog')).toBeVisible();
  await say(widget, 'How long does shipping take?');
  await expect(widget.locator('.baton-msg.is-bot').filter({ hasText: '3–5 days' })).toBeVisible();

  // Nobody is Available: no "Talk to a human", the offline message instead.
  const talkToHuman = widget.locator('.baton-bar').getByRole('button', { name: 'Talk to a human' });
  await expect(widget.getByText('Our team is offline right now')).toBeVisible();
  await expect(talkToHuman).toHaveCount(0);

  // The operator becomes Available: the button appears live, no reload.
  await operator.getByLabel('My status').selectOption('available');
  // The demo team is three: Dana, Eli and Noor.
  await expect(operator.getByText('1/3 online')).toBeVisible();
  await expect(talkToHuman).toBeVisible();

  // The visitor asks for a person and waits.
  await talkToHuman.click();
  await expect(widget.getByText('Connecting you to a person…')).toBeVisible();
  await expect(talkToHuman).toHaveCount(0);

  // The operator sees the request, opens it and joins under their name.
  const row = operator.getByRole('listitem').filter({ hasText: 'Help requested' });
  await expect(row).toBeVisible();
  await row.click();
  const history = operator.getByRole('log');
  await expect(history.getByText('How long does shipping take?')).toBeVisible();
  await operator.getByRole('button', { name: 'Join', exact: true }).click();
  const dialog = operator.getByRole('dialog');
  await expect(dialog.getByLabel('Name shown to the visitor')).toHaveValue(OPERATOR.name);
  await dialog.getByRole('button', { name: 'Join chat' }).click();

  // The visitor sees who joined.
  await expect(widget.locator('.baton-joined')).toContainText(`You're chatting with ${OPERATOR.name}`);
  await expect(widget.getByText(`${OPERATOR.name} joined the chat`)).toBeVisible();

  // A message each way.
  const reply = operator.getByLabel('Reply');
  await reply.fill('Hi, Dana here. How can I help?');
  await reply.press('Enter');
  await expect(widget.locator('.baton-msg.is-operator').filter({ hasText: 'Hi, Dana here. How can I help?' })).toBeVisible();
  await say(widget, 'Can I change my delivery address?');
  await expect(history.getByText('Can I change my delivery address?')).toBeVisible();

  // While Dana owns the chat the bot stays silent. Its reply would have been
  // stored before Dana's next message, so once that arrives the only bot
  // message must still be the first answer.
  await reply.fill('Yes — tell me the new address.');
  await reply.press('Enter');
  await expect(widget.getByText('Yes — tell me the new address.')).toBeVisible();
  await expect(widget.locator('.baton-msg.is-bot')).toHaveCount(1);

  // The operator hands the chat back; the visitor is told and the bot answers again.
  await operator.getByRole('button', { name: 'Leave', exact: true }).click();
  await operator.getByRole('dialog').getByRole('button', { name: 'Hand back to the bot' }).click();
  await expect(widget.getByText(`${OPERATOR.name} left the chat — the assistant is back`)).toBeVisible();
  await expect(widget.locator('.baton-joined')).toHaveCount(0);
  await say(widget, 'Do you do refunds?');
  await expect(widget.locator('.baton-msg.is-bot').filter({ hasText: '30 days' })).toBeVisible();

  // Message text is shown as text: nothing the visitor types becomes markup.
  await say(widget, '<img src=x onerror=alert(1)> <b>bold?</b>');
  await expect(widget.locator('.baton-log img')).toHaveCount(0);
  await expect(history.getByText('<img src=x onerror=alert(1)> <b>bold?</b>')).toBeVisible();

  expect(consoleErrors).toEqual([]);
});
