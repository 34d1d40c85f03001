// The accessibility audit: axe-core (./axe.ts) over every screen an operator
// or a visitor meets — the widget closed, open, with messages and in a
// handover; the inbox's sign-in, list, a conversation with its notes open,
// each of its dialogs, the keyboard help, the header menu, and the team,
// settings, profile and notification pages with a dialog of theirs; the
// widget's place in line, rating, transcript and email forms, and its
// offline form — at desktop width and on a 375 px phone. No serious or
// critical violation.
import { expect, test, type Page } from '@playwright/test';
import { audit } from './axe';
import { OPERATOR, TEAM, openWidget, setStatus, signedIn, talkToHuman } from './support';

const WIDTHS = [
  { name: 'desktop', viewport: { width: 1280, height: 800 } },
  { name: 'phone', viewport: { width: 375, height: 740 } },
];

/** Opens the header menu when the screen folds the header into one. */
async function openMenu(page: Page) {
  const toggle = page.getByRole('button', { name: 'Menu' });
  if (await toggle.isVisible()) {
    if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
    await expect(page.locator('#topbar-menu')).toBeVisible();
  }
}

async function goToPage(page: Page, title: string) {
  await openMenu(page);
  await page.getByRole('button', { name: title, exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
}

for (const { name, viewport } of WIDTHS) {
  test(`no serious accessibility violations: ${name}`, async ({ browser }) => {
    // Two dozen audits, each a full axe run.
    test.setTimeout(240_000);
    const inbox = await browser.newContext({ viewport });
    const people = await browser.newContext({ viewport });
    try {
      const dana = await inbox.newPage();
      await dana.goto('/inbox/');
      await expect(dana.getByLabel('Email')).toBeVisible();
      await audit(dana, 'the inbox sign-in');
      await dana.getByLabel('Email').fill(OPERATOR.email);
      await dana.getByLabel('Password').fill(OPERATOR.password);
      await dana.getByRole('button', { name: 'Sign in' }).click();
      await expect(dana.locator('.topbar')).toBeVisible();
      await openMenu(dana);
      await dana.getByLabel('My status').selectOption('available');
      await expect(dana.getByLabel('My status')).toHaveValue('available');
      if (name === 'phone') await audit(dana, 'the header menu');
      await dana.keyboard.press('Escape');
      await audit(dana, 'the conversation list');

      // ---- The widget, from closed to a handover.
      const visitor = await people.newPage();
      await visitor.goto('/');
      await expect(visitor.getByRole('button', { name: 'Open chat' })).toBeVisible();
      await audit(visitor, 'the widget, closed');
      await visitor.getByRole('button', { name: 'Open chat' }).click();
      const widget = visitor.locator('[data-baton]');
      await expect(widget.getByRole('dialog')).toBeVisible();
      await audit(visitor, 'the widget, open');
      const guest = `Axe ${name} ${Date.now() % 100_000}`;
      await visitor.evaluate((n) => (window as unknown as { Baton: { identify(v: object): void } }).Baton.identify({ name: n }), guest);
      const box = widget.getByRole('textbox', { name: 'Message' });
      await box.fill('Where is my order?');
      await box.press('Enter');
      await expect(talkToHuman(widget)).toBeVisible();
      await audit(visitor, 'the widget with messages');
      await talkToHuman(widget).click();
      await expect(widget.getByText('Connecting you to a person…')).toBeVisible();
      await audit(visitor, 'the widget, waiting for a person');

      // ---- The conversation and its dialogs.
      await dana.getByRole('listitem').filter({ hasText: guest }).click();
      await expect(dana.getByRole('heading', { name: guest })).toBeVisible();
      await audit(dana, 'a waiting conversation');
      await dana.getByRole('button', { name: 'Join', exact: true }).click();
      await expect(dana.getByRole('dialog', { name: 'Join this chat' })).toBeVisible();
      await audit(dana, 'the join dialog');
      await dana.getByRole('dialog').getByRole('button', { name: 'Join chat' }).click();
      await expect(widget.locator('.baton-joined')).toBeVisible();
      await audit(visitor, 'the widget in a handover');
      // The panel remembers whether it was open.
      const notes = dana.getByRole('button', { name: /Internal notes/ });
      if ((await notes.getAttribute('aria-expanded')) !== 'true') await notes.click();
      await expect(dana.getByLabel('Add an internal note')).toBeVisible();
      await audit(dana, 'a conversation with its notes open');
      await notes.click();
      await expect(dana.getByLabel('Add an internal note')).toHaveCount(0);
      // Phones fold the reply box's tools behind "More": open them.
      const more = dana.getByRole('button', { name: 'More', exact: true });
      if (await more.isVisible()) {
        await more.click();
        await audit(dana, 'the reply box with its tools open');
      }
      for (const [button, title] of [
        ['Transfer', 'Transfer this chat'],
        ['Leave', 'Leave this chat?'],
        ['Resolve', 'Resolve this chat?'],
        ['Saved replies', 'Saved replies'],
      ]) {
        await dana.getByRole('button', { name: button, exact: true }).click();
        await expect(dana.getByRole('dialog', { name: title })).toBeVisible();
        await audit(dana, `the "${title}" dialog`);
        await dana.keyboard.press('Escape');
        await expect(dana.getByRole('dialog')).toHaveCount(0);
      }
      await dana.locator('.head-visitor').focus();
      await dana.keyboard.press('?');
      await expect(dana.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeVisible();
      await audit(dana, 'the keyboard shortcuts');
      await dana.keyboard.press('Escape');

      // ---- The pages, and a dialog of theirs.
      await goToPage(dana, 'Team');
      await audit(dana, 'the Team page');
      await dana.getByRole('button', { name: 'Add teammate' }).click();
      await expect(dana.getByRole('dialog')).toBeVisible();
      await audit(dana, 'the add-teammate dialog');
      await dana.keyboard.press('Escape');
      for (const title of ['Live chat settings', 'My profile', 'Notification center', 'My notifications']) {
        await goToPage(dana, title);
        await audit(dana, `the ${title} page`);
      }

      // Leave the shared server as found: the chat resolved, Dana Offline.
      // Back in the inbox, the chat that was open still is.
      await dana.getByRole('button', { name: /^All open/ }).click();
      await expect(dana.getByRole('heading', { name: guest })).toBeVisible();
      await dana.getByRole('button', { name: 'Resolve', exact: true }).click();
      await dana.getByRole('dialog').getByRole('button', { name: 'Resolve' }).click();
      await expect(dana.locator('.head-state')).toHaveText(/^Resolved/);
      // The chat ends well: the rating, then the transcript's email form.
      await expect(widget.getByRole('group', { name: 'How was your chat with Dana?' })).toBeVisible();
      await audit(visitor, 'the widget asking for a rating');
      await widget.getByRole('button', { name: 'Email me this chat' }).click();
      await expect(widget.getByRole('textbox', { name: 'Your email' })).toBeFocused();
      await audit(visitor, 'the widget asking where to email the chat');
      await openMenu(dana);
      await dana.getByLabel('My status').selectOption('offline');
      await expect(dana.getByLabel('My status')).toHaveValue('offline');
    } finally {
      await people.close();
      await inbox.close();
    }
  });
}

for (const { name, viewport } of WIDTHS) {
  test(`no serious accessibility violations in the widget's offline form: ${name}`, async ({ browser }) => {
    // Nobody online (status is manual: an earlier spec may have left someone Available).
    for (const who of [TEAM.dana, TEAM.eli, TEAM.noor]) {
      const { context, page } = await signedIn(browser, who);
      await setStatus(page, 'offline');
      await context.close();
    }
    const people = await browser.newContext({ viewport });
    try {
      const visitor = await people.newPage();
      const widget = await openWidget(visitor);
      await expect(widget.getByRole('button', { name: 'Leave a message' })).toBeVisible();
      await audit(visitor, 'the widget while nobody is online');
      await widget.getByRole('button', { name: 'Leave a message' }).click();
      await expect(widget.getByRole('textbox', { name: 'Your email' })).toBeFocused();
      // Sent empty: the errors show, and are audited too.
      await widget.getByRole('button', { name: 'Send message' }).click();
      await expect(widget.getByRole('alert')).toBeVisible();
      await audit(visitor, "the widget's email form with an error");
      await widget.getByRole('textbox', { name: 'Your email' }).fill('axe@example.com');
      await widget.getByRole('textbox', { name: 'Your message' }).fill('Do you ship to Norway?');
      await widget.getByRole('button', { name: 'Send message' }).click();
      await expect(widget.getByText('Message left.', { exact: false })).toBeVisible();
      await audit(visitor, 'the widget after a message was left');
    } finally {
      await people.close();
    }
  });
}
