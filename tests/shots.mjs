// Ad-hoc screenshots of the inbox for review (not a test): node tests/shots.mjs PORT OUTDIR
import { chromium } from '@playwright/test';
const [port, out] = [process.argv[2] ?? '18300', process.argv[3] ?? '/tmp/shots'];
const base = `http://127.0.0.1:${port}`;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
async function op(email, password, size = { width: 1280, height: 800 }) {
  const ctx = await browser.newContext({ viewport: size });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.log('pageerror', email, e.message));
  await page.goto(`${base}/inbox/`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('My status').waitFor();
  return page;
}
async function visitor(path, text, human) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  await page.goto(`${base}${path}`);
  await page.getByRole('button', { name: 'Open chat' }).click();
  const w = page.locator('[data-baton]');
  const box = w.getByRole('textbox', { name: 'Message' });
  await box.fill(text); await box.press('Enter');
  await page.waitForTimeout(600);
  if (human) { await w.getByRole('button', { name: 'Talk to a human' }).first().click(); await page.waitForTimeout(300); }
  return { page, w };
}
const dana = await op('dana@demo.baton', 'handover-demo');
const eli = await op('eli@demo.baton', 'eli-demo-pass');
for (const p of [dana, eli]) await p.getByLabel('My status').selectOption('available');
const v1 = await visitor('/', 'My parcel never arrived', true);
const v2 = await visitor('/', 'Do you ship to Norway?', true);
const v3 = await visitor('/help.html', 'How do I reset my password?', false);
await eli.waitForTimeout(800);
// Eli joins v1
await eli.getByRole('list', { name: 'Conversations' }).getByRole('listitem').filter({ hasText: 'Help requested' }).first().click();
await eli.getByRole('button', { name: 'Join', exact: true }).click();
await eli.getByRole('dialog').getByRole('button', { name: 'Join chat' }).click();
await eli.getByLabel('Reply').fill('Hi, Eli here — let me look that up.');
await eli.getByLabel('Reply').press('Enter');
await v1.w.getByRole('textbox', { name: 'Message' }).pressSequentially('Order 4412', { delay: 80 });
await eli.screenshot({ path: `${out}/conversation-typing.png` });
await v1.w.getByRole('textbox', { name: 'Message' }).press('Enter');
await eli.waitForTimeout(500);
await dana.screenshot({ path: `${out}/list-alert.png` });
await dana.getByRole('button', { name: /online/ }).click();
await dana.screenshot({ path: `${out}/roster.png` });
await dana.keyboard.press('Escape');
await eli.getByRole('button', { name: 'Transfer' }).click();
await eli.screenshot({ path: `${out}/transfer.png` });
await eli.keyboard.press('Escape');
const phone = await op('noor@demo.baton', 'noor-demo-pass', { width: 375, height: 740 });
await phone.screenshot({ path: `${out}/phone-list.png` });
await browser.close();
