// A support team's day in the inbox, with three operators (an admin and two
// agents) and two visitors in separate browser contexts: alerts, a race to
// join, take over, transfer, resolve, an owner who goes Offline, per-bot
// access, an admin setting a teammate Offline, settings reaching an open
// widget. Everyone ends Offline, as every other spec expects.
import { expect, test, type Browser, type BrowserContext, type Locator, type Page } from '@playwright/test';
import { TEAM, type Member, handOverRequest, openWidget, say, talkToHuman, watchErrors } from './support';

/** An operator's inbox, signed in, with browser notifications granted and
 *  recorded, and a switch that makes the page report itself hidden. */
async function inbox(browser: Browser, who: Member): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ permissions: ['notifications'] });
  await context.addInitScript(() => {
    const w = window as unknown as { __notes: { title: string; body: string }[]; __hidden: boolean };
    w.__notes = [];
    w.__hidden = false;
    const Real = window.Notification;
    class Recorded extends Real {
      constructor(title: string, options?: NotificationOptions) {
        super(title, options);
        w.__notes.push({ title, body: options?.body ?? '' });
      }
    }
    window.Notification = Recorded as unknown as typeof Notification;
    Object.defineProperty(document, 'visibilityState', { get: () => (w.__hidden ? 'hidden' : 'visible') });
    Object.defineProperty(document, 'hidden', { get: () => w.__hidden });
  });
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto('/inbox/');
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByLabel('My status')).toBeVisible();
  return { context, page, errors };
}

async function setStatus(page: Page, status: string) {
  await page.getByLabel('My status').selectOption(status);
  await expect(page.getByLabel('My status')).toHaveValue(status);
}

function view(page: Page, name: string): Locator {
  return page.getByRole('navigation', { name: 'Inbox' }).getByRole('button', { name: new RegExp(`^${name}`) });
}

function rows(page: Page): Locator {
  return page.getByRole('list', { name: 'Conversations' }).getByRole('listitem');
}

async function joinDialog(page: Page, confirm: string) {
  await page.getByRole('dialog').getByRole('button', { name: confirm }).click();
}

test('a team runs a day in the inbox', async ({ browser }) => {
  test.setTimeout(120_000);
  const dana = await inbox(browser, TEAM.dana);
  const eli = await inbox(browser, TEAM.eli);
  const noor = await inbox(browser, TEAM.noor);
  // ---- The admin adds a teammate, who signs in.
  await dana.page.getByRole('button', { name: 'Team', exact: true }).click();
  await dana.page.getByRole('button', { name: 'Add teammate' }).click();
  const add = dana.page.getByRole('dialog');
  const ari = { email: `ari-${Date.now()}@demo.baton`, password: 'ari-first-day', name: 'Ari' };
  await add.getByLabel('Email').fill(ari.email);
  await add.getByLabel('Display name').fill(ari.name);
  await add.getByLabel('Shop assistant').check();
  await add.getByLabel('Initial password').fill(ari.password);
  await add.getByRole('button', { name: 'Add teammate' }).click();
  await expect(dana.page.getByRole('listitem').filter({ hasText: ari.email })).toBeVisible();
  const newcomer = await inbox(browser, ari);
  await expect(newcomer.page.getByRole('navigation', { name: 'Inbox' })).toBeVisible();
  await newcomer.context.close();
  await view(dana.page, 'All open').click();

  for (const op of [dana, eli, noor]) await setStatus(op.page, 'available');
  await expect(dana.page.getByRole('button', { name: /^3\/\d+ online/ })).toBeVisible();

  // ---- A help request alerts the team: toast, tab title, browser notification.
  await dana.page.evaluate(() => ((window as unknown as { __hidden: boolean }).__hidden = true));
  // The shared server may hold requests other specs left behind, which may
  // lapse meanwhile: the title counts at least this one, and the same
  // number as the Waiting view.
  const waitingIn = async (page: Page) => Number((/^\((\d+)\)/.exec(await page.title()) ?? [0, 0])[1]);
  const waitingView = async (page: Page) =>
    Number(await view(page, 'Waiting').locator('.nav-count').textContent());
  const shopper = await (await browser.newContext()).newPage();
  const shopperErrors = watchErrors(shopper);
  const widget = await openWidget(shopper);
  await shopper.evaluate(() => (window as unknown as { Baton: { identify(v: object): void } }).Baton.identify({ name: 'Pat First' }));
  await say(widget, 'My parcel never arrived');
  await handOverRequest(widget);
  for (const op of [eli, noor]) {
    const toast = op.page.locator('.toast-alert').filter({ hasText: 'Pat First asked for a person' });
    await expect(toast).toBeVisible();
    await expect(toast).toContainText('My parcel never arrived');
    await expect
      .poll(async () => {
        const inTitle = await waitingIn(op.page);
        return inTitle >= 1 && inTitle === (await waitingView(op.page));
      })
      .toBe(true);
  }
  await expect
    .poll(() => dana.page.evaluate(() => (window as unknown as { __notes: { title: string }[] }).__notes.map((n) => n.title)))
    .toContainEqual(expect.stringContaining('Pat First asked for a person'));
  await dana.page.evaluate(() => ((window as unknown as { __hidden: boolean }).__hidden = false));

  // ---- Eli and Noor race to join: exactly one wins.
  for (const op of [eli, noor]) {
    await op.page.locator('.toast-alert').filter({ hasText: 'Pat First' }).getByRole('button', { name: 'Open' }).click();
    await op.page.getByRole('button', { name: 'Join', exact: true }).click();
  }
  await Promise.all([joinDialog(eli.page, 'Join chat'), joinDialog(noor.page, 'Join chat')]);
  const joined = widget.locator('.baton-joined');
  await expect(joined).toContainText(/You're chatting with (Eli|Noor)/);
  const winnerName = (await joined.textContent())!.includes('Eli') ? 'Eli' : 'Noor';
  const [winner, loser] = winnerName === 'Eli' ? [eli, noor] : [noor, eli];
  const loserName = winnerName === 'Eli' ? 'Noor' : 'Eli';
  await expect(winner.page.getByLabel('Reply')).toBeVisible();
  await expect(loser.page.getByLabel('Reply')).toHaveCount(0);
  await expect(loser.page.getByRole('button', { name: 'Join', exact: true })).toHaveCount(0);

  // The loser is told, and takes over, confirming against the owner they see.
  await expect(loser.page.locator('.toast').filter({ hasText: 'take over instead' })).toBeVisible();
  await loser.page.getByRole('button', { name: 'Take over' }).click();
  await expect(loser.page.getByRole('dialog')).toContainText(`Take over from ${winnerName}?`);
  await joinDialog(loser.page, 'Take over');
  await expect(joined).toContainText(`You're chatting with ${loserName}`);
  await expect(winner.page.locator('.toast-alert').filter({ hasText: `${loserName} took over your chat` })).toBeVisible();
  await expect(loser.page.getByLabel('Reply')).toBeVisible();

  // ---- Transfer: only Available teammates who serve the bot are offered.
  await setStatus(dana.page, 'busy');
  await loser.page.getByRole('button', { name: 'Transfer' }).click();
  const picker = loser.page.getByRole('dialog');
  await expect(picker.getByRole('radio')).toHaveCount(1);
  await expect(picker.locator('.pick')).toHaveText([new RegExp(winnerName)]);
  await picker.getByRole('button', { name: 'Transfer' }).click();
  await expect(joined).toContainText(`You're chatting with ${winnerName}`);
  await expect(winner.page.locator('.toast-alert').filter({ hasText: `transferred` })).toBeVisible();
  await setStatus(dana.page, 'available');

  // A message each way, with the visitor's typing shown in the inbox.
  await widget.getByRole('textbox', { name: 'Message' }).pressSequentially('Order 4412', { delay: 30 });
  await expect(winner.page.locator('.log-typing')).toBeVisible();
  await widget.getByRole('textbox', { name: 'Message' }).press('Enter');
  await expect(winner.page.getByRole('log').getByText('Order 4412')).toBeVisible();
  await winner.page.getByLabel('Reply').fill('Found it — a new one ships today.');
  await winner.page.getByLabel('Reply').press('Enter');
  await expect(widget.getByText('Found it — a new one ships today.')).toBeVisible();

  // ---- Resolve: the visitor sees it closed and starts a new chat.
  await winner.page.getByRole('button', { name: 'Resolve', exact: true }).click();
  await joinDialog(winner.page, 'Resolve');
  await expect(widget.getByText('This chat has been closed.')).toBeVisible();
  await expect(view(winner.page, 'All open')).toBeVisible();
  await view(winner.page, 'Resolved').click();
  await expect(rows(winner.page)).not.toHaveCount(0);
  // Searched by the visitor's name, with other resolved chats shown already.
  await winner.page.getByRole('searchbox', { name: 'Search resolved chats' }).fill('pat fir');
  await expect(winner.page.getByRole('searchbox', { name: 'Search resolved chats' })).toHaveValue('pat fir');
  await expect(rows(winner.page)).toHaveCount(1);
  await expect(rows(winner.page)).toContainText('Pat First');
  await winner.page.getByRole('searchbox', { name: 'Search resolved chats' }).fill('nobody by this name');
  await expect(rows(winner.page)).toHaveCount(0);
  await widget.getByRole('button', { name: 'Start a new chat' }).click();
  await say(widget, 'One more question');

  // ---- The owner goes Offline: the chat is back in Waiting, the visitor told.
  const second = await (await browser.newContext()).newPage();
  const secondErrors = watchErrors(second);
  const widget2 = await openWidget(second);
  await second.evaluate(() => (window as unknown as { Baton: { identify(v: object): void } }).Baton.identify({ name: 'Sam Second' }));
  await say(widget2, 'Can I change my address?');
  await handOverRequest(widget2);
  await eli.page.locator('.toast-alert').filter({ hasText: 'Sam Second asked for a person' }).getByRole('button', { name: 'Open' }).click();
  await eli.page.getByRole('button', { name: 'Join', exact: true }).click();
  await joinDialog(eli.page, 'Join chat');
  await expect(widget2.locator('.baton-joined')).toContainText("You're chatting with Eli");
  await setStatus(eli.page, 'offline');
  await expect(widget2.getByText('Eli had to leave')).toBeVisible();
  await expect(widget2.getByText('Connecting you to a person…')).toBeVisible();
  await expect(noor.page.locator('.toast-alert').filter({ hasText: 'Sam Second needs a person again' })).toBeVisible();
  await view(noor.page, 'Waiting').click();
  await expect(rows(noor.page).filter({ hasText: 'Sam Second' }).filter({ hasText: 'Help requested' })).toHaveCount(1);

  // ---- Per-bot access: Eli serves only the shop; Noor also serves the help centre.
  const helpVisitor = await (await browser.newContext()).newPage();
  const helpWidget = await openWidget(helpVisitor, '/help.html');
  await helpVisitor.evaluate(() => (window as unknown as { Baton: { identify(v: object): void } }).Baton.identify({ name: 'Hana Help' }));
  await say(helpWidget, 'How do I reset my password?');
  await view(noor.page, 'All open').click();
  await expect(rows(noor.page).filter({ hasText: 'Hana Help' })).toHaveCount(1);
  await view(eli.page, 'All open').click();
  // Eli's list is live (the shop's chats arrive) but the help centre's never does.
  await expect(rows(eli.page).filter({ hasText: 'Sam Second' })).toHaveCount(1);
  await expect(rows(eli.page).filter({ hasText: 'Hana Help' })).toHaveCount(0);

  // ---- An admin sets a teammate Offline from the roster; they are told.
  await dana.page.getByRole('button', { name: /online/ }).click();
  await dana.page.getByRole('button', { name: 'Set Noor Offline' }).click();
  await expect(noor.page.getByLabel('My status')).toHaveValue('offline');
  await expect(noor.page.locator('.toast-alert').filter({ hasText: 'Dana set you Offline' })).toBeVisible();

  // ---- Settings the admin saves reach an open widget without a reload.
  await setStatus(dana.page, 'available');
  await expect(talkToHuman(widget)).toBeVisible();
  await dana.page.getByRole('button', { name: 'Live chat settings' }).click();
  await dana.page.getByRole('region', { name: 'Live chat settings' }).getByLabel('Bot', { exact: true }).selectOption({ label: 'Shop assistant' });
  await dana.page.getByLabel('Button label').fill('Chat with our team');
  await dana.page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(dana.page.getByText('Saved — visitors see it now')).toBeVisible();
  await expect(widget.getByRole('button', { name: 'Chat with our team' })).toBeVisible();
  await dana.page.getByLabel('Button label').fill('Talk to a human');
  await dana.page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(widget.getByRole('button', { name: 'Talk to a human' })).toBeVisible();

  // Everyone ends Offline.
  for (const op of [dana, eli, noor]) await setStatus(op.page, 'offline');

  // Then Dana resolves whatever waits — including chats that earlier specs
  // left with her, which her going Offline just handed back to the team —
  // so later specs find one request each.
  await view(dana.page, 'Waiting').click();
  await expect(dana.page.getByRole('heading', { name: 'Waiting', exact: true })).toBeVisible();
  // The handed-back rows follow the roster frame on the same socket.
  await dana.page.waitForTimeout(500);
  const waitingRows = rows(dana.page);
  while ((await waitingRows.count()) > 0) {
    const before = await waitingRows.count();
    await waitingRows.first().click();
    await dana.page.getByRole('button', { name: 'Resolve', exact: true }).click();
    await joinDialog(dana.page, 'Resolve');
    await expect(waitingRows).toHaveCount(before - 1);
  }
  await expect(view(dana.page, 'Waiting')).toHaveText(/^Waiting\s*0$/);

  // Operators' pages may see the one 401 of /api/me before signing in; nothing else.
  const unexpected = (errors: string[]) => errors.filter((e) => !/HTTP 401: .*\/api\/me$/.test(e));
  for (const errors of [dana.errors, eli.errors, noor.errors, shopperErrors, secondErrors]) expect(unexpected(errors)).toEqual([]);
});
