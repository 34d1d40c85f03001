// Screenshots of the widget mid-conversation, for people to look at (they are
// not compared to anything): desktop and mobile, light and dark, right-to-left,
// and the inbox beside them. Saved under tests/test-results/screenshots/
// (git-ignored), which Playwright empties at the start of every run.
import { expect, test, type Page } from '@playwright/test';
import { join } from 'node:path';
import { availableOperator, handOver, openWidget, operatorMessage, reply, say, watchErrors } from './support';

const DIR = join(__dirname, '..', 'test-results', 'screenshots');

async function shoot(page: Page, name: string) {
  // Let transitions and the log's scroll settle.
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(DIR, `${name}.png`) });
}

test('the widget mid-conversation: desktop, mobile, light, dark', async ({ browser }) => {
  const { context: operatorContext, page: operator } = await availableOperator(browser);
  const visitorContext = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
  const visitor = await visitorContext.newPage();
  const errors = watchErrors(visitor);
  try {
    // The bot answers, the visitor asks for a person, Dana joins; a message each way.
    const widget = await openWidget(visitor);
    await say(widget, 'How long does shipping take?');
    await expect(widget.locator('.baton-msg.is-bot').filter({ hasText: '3–5 days' })).toBeVisible();
    await handOver(widget, operator);
    const greeting = "Hi, I'm Dana from the Fernwood team. I can see your order — what would you like to change?";
    await reply(operator, greeting);
    await expect(operatorMessage(widget, greeting)).toBeVisible();
    await say(widget, 'Could it go to my office instead? It is 12 Harbour Street, Leith.');
    await expect(widget.locator('.baton-msg.is-visitor .baton-receipt').last()).toHaveText('Read');
    await expect(operator.locator('.receipt').last()).toHaveText('Read');

    await shoot(visitor, 'desktop-light');
    await shoot(operator, 'inbox-desktop');
    await visitor.emulateMedia({ colorScheme: 'dark' });
    await shoot(visitor, 'desktop-dark');

    await visitor.setViewportSize({ width: 375, height: 740 });
    await visitor.emulateMedia({ colorScheme: 'light' });
    await expect(widget.getByRole('dialog')).toBeVisible();
    await shoot(visitor, 'mobile-light');
    await visitor.emulateMedia({ colorScheme: 'dark' });
    await shoot(visitor, 'mobile-dark');

    expect(errors).toEqual([]);
  } finally {
    await visitorContext.close();
    await operatorContext.close();
  }
});

test('the widget in a right-to-left locale', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'ar' });
  const page = await context.newPage();
  const errors = watchErrors(page);
  try {
    await page.goto('/rtl.html');
    const widget = page.locator('[data-baton]');
    // The launcher's name is localised: open it by its class.
    await widget.locator('.baton-launcher').click();
    await expect(widget.getByRole('dialog')).toBeVisible();
    const box = widget.locator('textarea');
    await box.fill('How long does shipping take?');
    await box.press('Enter');
    await expect(widget.locator('.baton-msg.is-bot').filter({ hasText: '3–5 days' })).toBeVisible();
    await shoot(page, 'rtl-desktop-light');
    await page.setViewportSize({ width: 375, height: 740 });
    await shoot(page, 'rtl-mobile-light');

    await expect(widget.locator('.baton')).toHaveAttribute('dir', 'rtl');
    expect(errors).toEqual([]);
  } finally {
    await context.close();
  }
});
