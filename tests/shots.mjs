// Review screenshots of the inbox (not a test; nothing asserted):
//   node tests/shots.mjs PORT OUTDIR   against a running `baton-server --demo`.
// Two operators and three visitors: waiting, mine and resolved chats, a
// conversation with typing and receipts, the transfer picker, the team and
// settings pages, an alert; at 1280×800 and 375×740.
import { chromium } from '@playwright/test';
const [port, out] = [process.argv[2] ?? '18300', process.argv[3] ?? '/tmp/shots'];
const base = `http://127.0.0.1:${port}`;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
async function op(email, password, viewport = { width: 1280, height: 800 }) {
  const ctx = await browser.newContext({ viewport });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.log('pageerror', email, e.message));
  await page.goto(`${base}/inbox/`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('My status').waitFor();
  const notNow = page.getByRole('button', { name: 'Not now' });
  if (await notNow.count()) await notNow.click();
  return page;
}
async function visitor(path, name, text, human) {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB' })).newPage();
  await page.goto(`${base}${path}`);
  await page.getByRole('button', { name: 'Open chat' }).click();
  const w = page.locator('[data-baton]');
  await page.evaluate((n) => window.Baton.identify({ name: n, email: n.split(' ')[0].toLowerCase() + '@example.com' }), name);
  const box = w.getByRole('textbox', { name: 'Message' });
  await box.fill(text); await box.press('Enter');
  await page.waitForTimeout(700);
  if (human) { await w.getByRole('button', { name: 'Talk to a human' }).first().click(); await page.waitForTimeout(300); }
  return { page, w };
}
const dana = await op('dana@demo.baton', 'handover-demo');
const eli = await op('eli@demo.baton', 'eli-demo-pass');
for (const p of [dana, eli]) await p.getByLabel('My status').selectOption('available');
const sam = await visitor('/', 'Sam Taylor', 'My parcel never arrived', true);
const ola = await visitor('/', 'Ola Nordmann', 'Do you ship to Norway?', true);
const kim = await visitor('/', 'Kim Lee', 'Can I return boots?', true);
await visitor('/help.html', 'Hana Ito', 'How do I reset my password?', false);
const list = (p) => p.getByRole('list', { name: 'Conversations' }).getByRole('listitem');
// Eli takes Sam, replies; Sam reads and types.
await list(eli).filter({ hasText: 'Sam Taylor' }).click();
await eli.getByRole('button', { name: 'Join', exact: true }).click();
await eli.getByRole('dialog').getByRole('button', { name: 'Join chat' }).click();
await eli.getByLabel('Reply').fill('Hi Sam, Eli here — let me look that up.');
await eli.getByLabel('Reply').press('Enter');
await eli.waitForTimeout(400);
await eli.getByLabel('Reply').fill('Found it: it left our warehouse on Monday.');
await eli.getByLabel('Reply').press('Enter');
await sam.w.getByRole('textbox', { name: 'Message' }).pressSequentially('Order 4412', { delay: 60 });
await eli.waitForTimeout(600);
await eli.screenshot({ path: `${out}/1280-conversation-typing-receipts.png` });
// Eli resolves Kim (joins first), so Resolved has something.
await list(eli).filter({ hasText: 'Kim Lee' }).click();
await eli.getByRole('button', { name: 'Resolve', exact: true }).click();
await eli.getByRole('dialog').getByRole('button', { name: 'Resolve' }).click();
await eli.waitForTimeout(400);
// Dana: the list with an alert in view.
await visitor('/', 'Noah Brown', 'Is the waxed jacket waterproof?', true);
await dana.waitForTimeout(500);
await dana.screenshot({ path: `${out}/1280-list-alert.png` });
await dana.getByRole('navigation', { name: 'Inbox' }).getByRole('button', { name: /^Waiting/ }).click();
await dana.screenshot({ path: `${out}/1280-waiting.png` });
await eli.getByRole('navigation', { name: 'Inbox' }).getByRole('button', { name: /^Mine/ }).click();
await eli.screenshot({ path: `${out}/1280-mine.png` });
await eli.getByRole('navigation', { name: 'Inbox' }).getByRole('button', { name: /^Resolved/ }).click();
await eli.waitForTimeout(500);
await eli.screenshot({ path: `${out}/1280-resolved.png` });
await eli.getByRole('navigation', { name: 'Inbox' }).getByRole('button', { name: /^Mine/ }).click();
await list(eli).filter({ hasText: 'Sam Taylor' }).click();
await eli.getByRole('button', { name: 'Transfer' }).click();
await eli.screenshot({ path: `${out}/1280-transfer.png` });
await eli.keyboard.press('Escape');
await dana.getByRole('button', { name: /online/ }).click();
await dana.screenshot({ path: `${out}/1280-roster.png` });
await dana.keyboard.press('Escape');
await dana.getByRole('button', { name: 'Team', exact: true }).click();
await dana.waitForTimeout(500);
await dana.screenshot({ path: `${out}/1280-team.png` });
await dana.getByRole('button', { name: 'Live chat settings' }).click();
await dana.waitForTimeout(500);
await dana.screenshot({ path: `${out}/1280-settings.png`, fullPage: true });
await dana.getByRole('button', { name: 'Notification center' }).click();
await dana.waitForTimeout(500);
await dana.screenshot({ path: `${out}/1280-notification-center.png` });
// Phone.
const phone = await op('dana@demo.baton', 'handover-demo', { width: 375, height: 740 });
await phone.screenshot({ path: `${out}/375-list.png` });
await list(phone).filter({ hasText: 'Sam Taylor' }).click();
await phone.waitForTimeout(500);
await phone.screenshot({ path: `${out}/375-conversation.png` });
await phone.getByRole('button', { name: 'Team', exact: true }).click().catch(() => {});
await phone.waitForTimeout(500);
await phone.screenshot({ path: `${out}/375-team.png` });
await browser.close();
