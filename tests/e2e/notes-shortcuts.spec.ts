// Internal notes and saved replies in the inbox. A note one operator adds
// shows live for a teammate watching the same chat and never reaches the
// visitor (not on the page, not in a frame of the visitor's socket). A saved
// reply is created, refused when its trigger is taken, inserted with `/`
// (placeholders filled, nothing sent by itself), edited, sent, and deleted.
// Everyone ends Offline and the chat is resolved, as later specs expect.
import { expect, test, type Page } from '@playwright/test';
import { TEAM, type Member, availableOperator, handOver, inboxMessage, openWidget, operatorMessage, say, watchErrors } from './support';

async function signInAs(page: Page, who: Member) {
  await page.goto('/inbox/');
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByLabel('My status')).toBeVisible();
}

function notes(page: Page) {
  return page.getByRole('list', { name: 'Internal notes' }).locator('.team-note');
}

test('notes stay with the team; saved replies fill in and stay editable', async ({ browser }) => {
  test.setTimeout(120_000);
  const { context: danaContext, page: dana } = await availableOperator(browser);
  const noorContext = await browser.newContext();
  const noor = await noorContext.newPage();
  const visitorContext = await browser.newContext();
  const visitor = await visitorContext.newPage();
  const errors = watchErrors(visitor);
  const inboxErrors = watchErrors(dana);
  // Everything the visitor's socket receives.
  const frames: string[] = [];
  visitor.on('websocket', (ws) => ws.on('framereceived', (f) => frames.push(String(f.payload))));
  try {
    // ---- A visitor, named by the host page, asks for a person; Dana joins.
    const widget = await openWidget(visitor);
    await visitor.evaluate(() => (window as unknown as { Baton: { identify(v: object): void } }).Baton.identify({ name: 'Maya Visitor' }));
    await say(widget, 'Hi, is my order on its way?');
    await handOver(widget, dana, 'Maya Visitor');
    await expect(dana.locator('.head-visitor')).toHaveText('Maya Visitor');

    // ---- Noor (Offline, reading along) opens the same chat.
    await signInAs(noor, TEAM.noor);
    await noor.getByRole('listitem').filter({ hasText: 'Maya Visitor' }).click();
    await expect(noor.locator('.head-visitor')).toHaveText('Maya Visitor');
    await expect(noor.getByText('Only your team sees notes')).toBeVisible();

    // ---- Dana adds a note (Enter adds); Noor sees it live, with its author.
    const secret = 'VIP: second order this week, be generous';
    const noteBox = dana.getByLabel('Add an internal note');
    await noteBox.fill(secret);
    await noteBox.press('Enter');
    await expect(noteBox).toHaveValue('');
    await expect(notes(dana).filter({ hasText: secret })).toHaveCount(1);
    const seen = notes(noor).filter({ hasText: secret });
    await expect(seen).toHaveCount(1);
    await expect(seen.locator('.team-note-author')).toHaveText('Dana');
    await expect(seen.locator('time')).toHaveText(/^\d\d:\d\d$/);
    await dana.screenshot({ path: test.info().outputPath('notes.png') });
    // A note is not a message: not in either log, and never the visitor's.
    await expect(dana.getByRole('log')).not.toContainText(secret);
    await expect(noor.getByRole('log')).not.toContainText(secret);

    // ---- Dana saves a reply with a placeholder; a taken trigger is refused plainly.
    await dana.getByRole('button', { name: 'Saved replies' }).click();
    const panel = dana.getByRole('dialog', { name: 'Saved replies' });
    await expect(panel).toBeVisible();
    await expect(panel.getByLabel('Trigger')).toBeFocused();
    await panel.getByLabel('Trigger').fill('thanks');
    await panel.getByLabel('Reply text').fill('Thanks {visitor_name}, this is {operator_name}. Your order ships today.');
    await panel.getByRole('button', { name: 'Save reply' }).click();
    await expect(panel.getByRole('list', { name: 'My saved replies' }).getByRole('listitem')).toHaveCount(1);
    await expect(panel.getByLabel('Trigger')).toHaveValue('');
    await panel.getByLabel('Trigger').fill('thanks');
    await panel.getByLabel('Reply text').fill('Another thanks');
    await panel.getByRole('button', { name: 'Save reply' }).click();
    await expect(panel.getByRole('alert')).toHaveText('You already have a shortcut with that trigger');
    await dana.screenshot({ path: test.info().outputPath('saved-replies.png') });
    await panel.getByRole('button', { name: 'Close' }).click();
    await expect(panel).toHaveCount(0);

    // ---- `/tha` opens the list; Escape closes it and keeps the text.
    const box = dana.getByLabel('Reply');
    await box.click();
    await box.pressSequentially('/tha');
    const list = dana.getByRole('listbox', { name: 'Saved replies' });
    await expect(list.getByRole('option')).toHaveCount(1);
    await expect(list.getByRole('option', { selected: true })).toContainText('/thanks');
    await expect(box).toHaveAttribute('aria-activedescendant', 'shortcut-option-0');
    await dana.screenshot({ path: test.info().outputPath('picker.png') });
    await box.press('Escape');
    await expect(list).toHaveCount(0);
    await expect(box).toHaveValue('/tha');

    // ---- Typing on opens it again; Enter inserts the filled text, sends nothing.
    await box.press('n');
    await expect(list.getByRole('option')).toHaveCount(1);
    await box.press('Enter');
    const filled = 'Thanks Maya Visitor, this is Dana. Your order ships today.';
    await expect(box).toHaveValue(filled);
    await expect(list).toHaveCount(0);
    await expect(inboxMessage(dana, filled)).toHaveCount(0);

    // ---- Dana edits it and sends; the visitor receives the filled text.
    await box.press('End');
    await box.pressSequentially(' Tracking follows by email.');
    await box.press('Enter');
    const sent = `${filled} Tracking follows by email.`;
    await expect(inboxMessage(dana, sent)).toBeVisible();
    await expect(operatorMessage(widget, sent)).toBeVisible();

    // The note never reached the visitor: not on the page, not in a frame.
    await expect(widget).not.toContainText(secret);
    expect(frames.length).toBeGreaterThan(0);
    expect(frames.filter((f) => f.includes('VIP: second order'))).toEqual([]);

    await noor.setViewportSize({ width: 375, height: 740 });
    await noor.screenshot({ path: test.info().outputPath('notes-375.png') });
    await dana.setViewportSize({ width: 375, height: 740 });
    await box.pressSequentially('/th');
    await expect(list).toBeVisible();
    await dana.screenshot({ path: test.info().outputPath('picker-375.png') });
    await box.fill('');
    await dana.setViewportSize({ width: 1280, height: 720 });

    // ---- Dana deletes the reply; `/tha` offers nothing after that.
    await dana.getByRole('button', { name: 'Saved replies' }).click();
    await panel.getByRole('button', { name: 'Delete /thanks' }).click();
    await expect(panel.getByText('You have no saved replies yet.')).toBeVisible();
    await panel.getByRole('button', { name: 'Close' }).click();
    await box.pressSequentially('/tha');
    await expect(box).toHaveValue('/tha');
    await expect(list).toHaveCount(0);
    await box.fill('');

    // ---- Dana resolves the chat and goes Offline; Noor never went Available.
    await dana.getByRole('button', { name: 'Resolve', exact: true }).click();
    await dana.getByRole('dialog').getByRole('button', { name: 'Resolve' }).click();
    await expect(dana.locator('.head-state')).toHaveText(/^Resolved/);
    await dana.getByLabel('My status').selectOption('offline');
    await expect(dana.getByLabel('My status')).toHaveValue('offline');
    await expect(noor.getByLabel('My status')).toHaveValue('offline');
    expect(errors).toEqual([]);
    expect(inboxErrors).toEqual([]);
  } finally {
    await visitorContext.close();
    await noorContext.close();
    await danaContext.close();
  }
});
