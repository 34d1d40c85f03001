// Screenshots of the widget's issue-14 states, for people to look at (not
// compared to anything): waiting with a place in line, the choices after a
// lapse, the email form, a left message, nobody online, the rating and the
// transcript — each at 1280 px and 375 px, light and dark, plus the choices
// in Arabic. Saved under tests/test-results/waiting-line/ (or
// $BATON_SHOTS_DIR), which Playwright empties at the start of every run.
import { expect, test, type Locator, type Page } from '@playwright/test';
import { join } from 'node:path';
import {
  TEAM,
  availableOperator,
  inboxRows,
  inboxView,
  nameVisitor,
  openWidget,
  say,
  setStatus,
  signedIn,
  talkToHuman,
  watchErrors,
} from './support';

const DIR = process.env.BATON_SHOTS_DIR ?? join(__dirname, '..', 'test-results', 'waiting-line');

const LOOKS = [
  { look: 'desktop-light', width: 1280, height: 800, scheme: 'light' },
  { look: 'desktop-dark', width: 1280, height: 800, scheme: 'dark' },
  { look: 'mobile-light', width: 375, height: 740, scheme: 'light' },
  { look: 'mobile-dark', width: 375, height: 740, scheme: 'dark' },
] as const;

/** The widget as it is now, in every look. */
async function shootAll(page: Page, name: string) {
  for (const { look, width, height, scheme } of LOOKS) {
    await page.setViewportSize({ width, height });
    await page.emulateMedia({ colorScheme: scheme });
    await page.waitForTimeout(250);
    await page.screenshot({ path: join(DIR, `${name}-${look}.png`) });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.emulateMedia({ colorScheme: 'light' });
}

async function settings(operator: Page, window: string, unit: 'seconds' | 'minutes') {
  await operator.getByRole('button', { name: 'Live chat settings' }).click();
  await operator.getByRole('region', { name: 'Live chat settings' }).getByLabel('Bot', { exact: true }).selectOption({ label: 'Shop assistant' });
  const field = operator.getByLabel('Response window', { exact: true });
  const unitField = operator.getByLabel('Response window unit');
  // Already so (the finally's restore after a run that got there): Save
  // stays disabled with nothing to save, and a click on it would wait for ever.
  if ((await field.inputValue()) !== window || (await unitField.inputValue()) !== unit) {
    await field.fill(window);
    await unitField.selectOption(unit);
    await operator.getByRole('button', { name: 'Save', exact: true }).click({ timeout: 15_000 });
    await expect(operator.getByText('Saved — visitors see it now')).toBeVisible();
  }
  await inboxView(operator, 'All open').click();
}

async function waitFor(widget: Locator, name: string) {
  await nameVisitor(widget.page(), name);
  await say(widget, 'Can I change the delivery address on order #4411?');
  await talkToHuman(widget).click();
  await expect(widget.locator('.baton-place')).toBeVisible();
}

test('the widget around a person’s help, in every look', async ({ browser }) => {
  test.setTimeout(180_000);
  const { context: operatorContext, page: operator } = await availableOperator(browser);
  const visitorContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const visitor = await visitorContext.newPage();
    const errors = watchErrors(visitor);

    // Waiting with a place in line, then the lapse and its choices.
    await settings(operator, '15', 'seconds');
    let widget = await openWidget(visitor);
    await waitFor(widget, `Shots lapse ${Date.now() % 100_000}`);
    await shootAll(visitor, 'waiting');
    const choices = widget.getByRole('group', { name: 'What would you like to do?' });
    await expect(choices).toBeVisible({ timeout: 30_000 });
    await shootAll(visitor, 'lapse-choices');
    await choices.getByRole('button', { name: 'Leave a message' }).click();
    await widget.getByRole('textbox', { name: 'Your email' }).fill('ana@example.com');
    await widget.getByRole('textbox', { name: 'Your message' }).fill('Please send it to my office instead: 12 Harbour Street, Leith.');
    await shootAll(visitor, 'leave-message-form');
    await widget.getByRole('button', { name: 'Send message' }).click();
    await expect(widget.getByText('Message left.', { exact: false })).toBeVisible();
    await shootAll(visitor, 'message-left');
    await settings(operator, '2', 'minutes');

    // A person joins and resolves: the rating, then the transcript.
    await widget.getByRole('button', { name: 'Close chat' }).first().click();
    await visitor.evaluate(() => localStorage.clear());
    widget = await openWidget(visitor);
    const name = `Shots rating ${Date.now() % 100_000}`;
    await waitFor(widget, name);
    await inboxView(operator, 'Waiting').click();
    await inboxRows(operator).filter({ hasText: name }).click();
    await operator.getByRole('button', { name: 'Join', exact: true }).click();
    await operator.getByRole('dialog').getByRole('button', { name: 'Join chat' }).click();
    await operator.getByLabel('Reply').fill('Done — it goes to Harbour Street now. Anything else?');
    await operator.getByLabel('Reply').press('Enter');
    await operator.getByRole('button', { name: 'Resolve', exact: true }).click();
    await operator.getByRole('dialog').getByRole('button', { name: 'Resolve' }).click();
    const rating = widget.getByRole('group', { name: 'How was your chat with Dana?' });
    await expect(rating).toBeVisible();
    await rating.getByRole('radio', { name: '4 of 5' }).check();
    await widget.getByRole('textbox', { name: 'Anything to add? (optional)' }).fill('Quick and kind.');
    await shootAll(visitor, 'rating');
    await widget.getByRole('button', { name: 'Send rating' }).click();
    await expect(widget.getByText('Thank you for your rating.')).toBeVisible();
    await widget.getByRole('button', { name: 'Email me this chat' }).click();
    await widget.getByRole('textbox', { name: 'Your email' }).fill('ana@example.com');
    await shootAll(visitor, 'transcript-form');
    await widget.getByRole('button', { name: 'Send', exact: true }).click();
    await expect(widget.getByText('A copy of this chat is on its way to ana@example.com.')).toBeVisible();
    await shootAll(visitor, 'transcript-sent');
    await operator.screenshot({ path: join(DIR, 'inbox-rated-desktop.png') });

    // Nobody online: the offline message with the email form.
    await setStatus(operator, 'offline');
    for (const who of [TEAM.eli, TEAM.noor]) {
      const { context, page } = await signedIn(browser, who);
      await setStatus(page, 'offline');
      await context.close();
    }
    await visitor.evaluate(() => localStorage.clear());
    widget = await openWidget(visitor);
    await expect(widget.getByRole('button', { name: 'Leave a message' })).toBeVisible();
    await shootAll(visitor, 'offline');
    await inboxView(operator, 'Left a message').click();
    await operator.screenshot({ path: join(DIR, 'inbox-left-desktop.png') });
    expect(errors).toEqual([]);
  } finally {
    await visitorContext.close();
    // The shop's window back to its 2 minutes even if a step failed.
    await settings(operator, '2', 'minutes').catch(() => {});
    await operatorContext.close();
  }
});
