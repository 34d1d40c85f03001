// Shared steps for the end-to-end specs: the operator signs in and joins,
// the visitor opens the widget and talks. The widget lives in an open shadow
// root on `[data-baton]`; Playwright's locators pierce it.
import { expect, type Browser, type BrowserContext, type Locator, type Page } from '@playwright/test';

export const OPERATOR = { email: 'dana@demo.baton', password: 'handover-demo', name: 'Dana' };

export type Member = { email: string; password: string; name: string };

/** The demo team `--demo` seeds: Dana (admin, both bots), Eli (agent, the
 *  shop only) and Noor (agent, the shop and the help centre). */
export const TEAM: Record<'dana' | 'eli' | 'noor', Member> = {
  dana: OPERATOR,
  eli: { email: 'eli@demo.baton', password: 'eli-demo-pass', name: 'Eli' },
  noor: { email: 'noor@demo.baton', password: 'noor-demo-pass', name: 'Noor' },
};

/** A regular expression matching exactly `text` (for `hasText`). */
export function exactly(text: string): RegExp {
  return new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
}

/** Console errors, page errors and CSP violations of a page. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    // A failed load is reported below with its URL.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(`console: ${m.text()}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  // Violation events bubble and are composed; an init script is not subject
  // to the page's CSP.
  void page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || '(inline)'}`);
    });
  });
  return errors;
}

export async function signIn(page: Page) {
  await page.goto('/inbox/');
  await page.getByLabel('Email').fill(OPERATOR.email);
  await page.getByLabel('Password').fill(OPERATOR.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByLabel('My status')).toBeVisible();
}

/** Signs in and becomes Available. */
export async function availableOperator(browser: Browser): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page);
  await page.getByLabel('My status').selectOption('available');
  await expect(page.getByLabel('My status')).toHaveValue('available');
  return { context, page };
}

/** An Available operator and a visitor, each in a browser context of their
 *  own (two people), the visitor's errors watched; both contexts close when
 *  `body` ends, however it ends. */
export async function operatorAndVisitor(
  browser: Browser,
  body: (people: { operator: Page; visitor: Page; visitorContext: BrowserContext; errors: string[] }) => Promise<void>,
) {
  const { context: operatorContext, page: operator } = await availableOperator(browser);
  const visitorContext = await browser.newContext();
  const visitor = await visitorContext.newPage();
  const errors = watchErrors(visitor);
  try {
    await body({ operator, visitor, visitorContext, errors });
  } finally {
    await visitorContext.close();
    await operatorContext.close();
  }
}

/** Opens `path` and the chat panel; returns the widget's host element. */
export async function openWidget(page: Page, path = '/'): Promise<Locator> {
  await page.goto(path);
  await page.getByRole('button', { name: 'Open chat' }).click();
  const widget = page.locator('[data-baton]');
  await expect(widget.getByRole('dialog')).toBeVisible();
  return widget;
}

/** The visitor types `text` and presses Enter; it shows (pending or stored). */
export async function say(widget: Locator, text: string) {
  const box = widget.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
  await expect(visitorMessage(widget, text)).toBeVisible();
}

export function visitorMessage(widget: Locator, text: string): Locator {
  return widget.locator('.baton-msg.is-visitor').filter({ has: widget.page().locator('.baton-bubble', { hasText: exactly(text) }) });
}

export function operatorMessage(widget: Locator, text: string): Locator {
  return widget.locator('.baton-msg.is-operator').filter({ has: widget.page().locator('.baton-bubble', { hasText: exactly(text) }) });
}

/** The one "Talk to a human" the widget shows: the bot's current inline
 *  offer or else the bar's button, never both (strict: two would fail). */
export function talkToHuman(widget: Locator): Locator {
  return widget.getByRole('button', { name: 'Talk to a human' });
}

/** The visitor asks for a person and waits. */
export async function handOverRequest(widget: Locator) {
  await talkToHuman(widget).click();
  await expect(widget.getByText('Connecting you to a person…')).toBeVisible();
}

let visitorsNamed = 0;

/** The visitor asks for a person; the operator opens the request and joins.
 *  The visitor is named first (unless the spec `named` them already), so the
 *  operator finds their row whatever other requests the shared server holds. */
export async function handOver(widget: Locator, operator: Page, named?: string) {
  visitorsNamed += 1;
  const name = named ?? `Guest ${visitorsNamed}-${Date.now() % 100_000}`;
  if (!named) {
    await widget
      .page()
      .evaluate((n) => (window as unknown as { Baton: { identify(v: object): void } }).Baton.identify({ name: n }), name);
  }
  await talkToHuman(widget).click();
  await expect(widget.getByText('Connecting you to a person…')).toBeVisible();
  const row = operator.getByRole('listitem').filter({ hasText: name }).filter({ hasText: 'Help requested' });
  await expect(row).toHaveCount(1);
  await row.click();
  await operator.getByRole('button', { name: 'Join', exact: true }).click();
  await operator.getByRole('dialog').getByRole('button', { name: 'Join chat' }).click();
  await expect(widget.locator('.baton-joined')).toContainText(`You're chatting with ${OPERATOR.name}`);
}

/** The operator's reply box: type and press Enter. */
export async function reply(operator: Page, text: string) {
  const box = operator.getByLabel('Reply');
  await box.fill(text);
  await box.press('Enter');
}

/** An inbox message (in the open conversation's log) by its exact text. */
export function inboxMessage(operator: Page, text: string): Locator {
  return operator.getByRole('log').locator('.msg').filter({ has: operator.locator('.bubble', { hasText: exactly(text) }) });
}

/** A mail the test SMTP sink (smtp-sink.mjs) received. */
export type Mail = { from: string; to: string[]; subject: string; body: string };

/** Every mail the server sent so far, from the sink beside the server. */
export async function mails(): Promise<Mail[]> {
  const port = Number(process.env.BATON_SMTP_STUB_PORT ?? Number(process.env.BATON_E2E_PORT ?? 18080) + 2000);
  const answer = await fetch(`http://127.0.0.1:${port + 1}/mails`);
  return (await answer.json()) as Mail[];
}

/** Signs `who` in, in a context of their own. */
export async function signedIn(browser: Browser, who: Member): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto('/inbox/');
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByLabel('My status')).toBeVisible();
  return { context, page };
}

export async function setStatus(page: Page, status: 'available' | 'away' | 'offline') {
  await page.getByLabel('My status').selectOption(status);
  await expect(page.getByLabel('My status')).toHaveValue(status);
}

/** A view of the inbox's list (Waiting, Mine, All open, Left a message, Resolved). */
export function inboxView(page: Page, name: string): Locator {
  return page.getByRole('navigation', { name: 'Inbox' }).getByRole('button', { name: new RegExp(`^${name}`) });
}

/** The rows of the inbox's current view. */
export function inboxRows(page: Page): Locator {
  return page.getByRole('list', { name: 'Conversations' }).getByRole('listitem');
}

/** Names the visitor for the team, so their row is found among others. */
export async function nameVisitor(page: Page, name: string, email?: string) {
  await page.evaluate(
    ([n, e]) => (window as unknown as { Baton: { identify(v: object): void } }).Baton.identify({ name: n, email: e }),
    [name, email],
  );
}
