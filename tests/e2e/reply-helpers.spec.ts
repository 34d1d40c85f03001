// The reply box's helpers, by two operators and two visitors on the shared
// server: a team saved reply Dana (admin) creates is offered to Eli (agent)
// after `/`, labelled Team, which he cannot change; Eli's own reply is
// created, inserted, edited and deleted. Suggest drafts from the demo
// knowledge base into the box (never sends) and says when it has nothing.
// Translate works both ways through the stub LibreTranslate the Playwright
// config starts (it answers "[<target>] <TEXT IN CAPITALS>"): a visitor's
// message shows translated with the original a click away; Dana's reply goes
// out translated, the visitor's page and socket see only the translation,
// and Dana and Eli see what she wrote next to it. Eli's Join name is
// remembered and his draft survives switching chats and a reload.
// Everyone ends Offline with the chats resolved and the team reply gone.
import { expect, test, type Browser, type Locator, type Page } from '@playwright/test';
import {
  TEAM,
  type Member,
  handOver,
  inboxMessage,
  openWidget,
  operatorMessage,
  say,
  watchErrors,
} from './support';

async function signInAs(browser: Browser, who: Member) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto('/inbox/');
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByLabel('My status')).toBeVisible();
  await page.getByLabel('My status').selectOption('available');
  await expect(page.getByLabel('My status')).toHaveValue('available');
  return { context, page };
}

function row(page: Page, name: string): Locator {
  return page.getByRole('listitem').filter({ hasText: name });
}

async function identify(visitor: Page, name: string) {
  await visitor.evaluate((n) => (window as unknown as { Baton: { identify(v: object): void } }).Baton.identify({ name: n }), name);
}

test('team and personal saved replies, Suggest, Translate, Join name and drafts', async ({ browser }) => {
  test.setTimeout(180_000);
  const { context: danaContext, page: dana } = await signInAs(browser, TEAM.dana);
  const { context: eliContext, page: eli } = await signInAs(browser, TEAM.eli);
  // Lena's browser speaks German: her widget's locale reaches the inbox.
  const lenaContext = await browser.newContext({ locale: 'de-DE' });
  const lena = await lenaContext.newPage();
  const omarContext = await browser.newContext();
  const omar = await omarContext.newPage();
  const errors = [...[lena, omar].map(watchErrors)];
  const inboxErrors = [watchErrors(dana), watchErrors(eli)];
  const lenaFrames: string[] = [];
  lena.on('websocket', (ws) => ws.on('framereceived', (f) => lenaFrames.push(String(f.payload))));
  const shot = (page: Page, name: string) => page.screenshot({ path: test.info().outputPath(`${name}.png`) });
  try {
    // ---- Lena asks for a person; Dana joins her chat.
    const lenaWidget = await openWidget(lena);
    await identify(lena, 'Lena Gast');
    await handOver(lenaWidget, dana, 'Lena Gast');
    await expect(dana.locator('.head-facts')).toContainText('de-DE');

    // ---- Dana adds a team reply; the panel lists it under Team.
    await dana.getByRole('button', { name: 'Saved replies' }).click();
    const danaPanel = dana.getByRole('dialog', { name: 'Saved replies' });
    await danaPanel.getByLabel('The whole team').check();
    await danaPanel.getByLabel('Trigger').fill('shipping');
    await danaPanel.getByLabel('Reply text').fill('Hi {visitor_name}, orders leave within two working days.');
    await danaPanel.getByRole('button', { name: 'Save reply' }).click();
    const teamList = danaPanel.getByRole('list', { name: 'Team saved replies' });
    await expect(teamList.getByRole('listitem')).toHaveCount(1);
    await expect(teamList.getByRole('listitem')).toContainText('Team');
    await expect(danaPanel.getByRole('button', { name: 'Delete team /shipping' })).toBeVisible();
    await danaPanel.getByRole('button', { name: 'Close' }).click();

    // ---- Omar asks for a person; Eli joins under another name.
    const omarWidget = await openWidget(omar);
    await identify(omar, 'Omar Kunde');
    await omarWidget.getByRole('button', { name: 'Talk to a human' }).click();
    await row(eli, 'Omar Kunde').filter({ hasText: 'Help requested' }).click();
    await eli.getByRole('button', { name: 'Join', exact: true }).click();
    const nameField = eli.getByLabel('Name shown to the visitor');
    await expect(nameField).toHaveValue('Eli');
    await nameField.fill('Eli S.');
    await eli.getByRole('dialog').getByRole('button', { name: 'Join chat' }).click();
    await expect(omarWidget.locator('.baton-joined')).toContainText("You're chatting with Eli S.");

    // ---- Eli's `/ship` offers the team reply, labelled Team, filled in for Omar.
    const eliBox = eli.getByLabel('Reply');
    await eliBox.click();
    await eliBox.pressSequentially('/ship');
    const eliList = eli.getByRole('listbox', { name: 'Saved replies' });
    await expect(eliList.getByRole('option')).toHaveCount(1);
    await expect(eliList.getByRole('option')).toContainText('/shipping');
    await expect(eliList.getByRole('option').locator('.scope-badge')).toHaveText('Team');

    // ---- Eli's own reply: created (no team choice for an agent), listed under Mine.
    await eliBox.fill('');
    await eli.getByRole('button', { name: 'Saved replies' }).click();
    const eliPanel = eli.getByRole('dialog', { name: 'Saved replies' });
    await expect(eliPanel.getByLabel('The whole team')).toHaveCount(0);
    await expect(eliPanel.getByRole('button', { name: 'Delete team /shipping' })).toHaveCount(0);
    await eliPanel.getByLabel('Trigger').fill('shout');
    await eliPanel.getByLabel('Reply text').fill('On it, {visitor_name}!');
    await eliPanel.getByRole('button', { name: 'Save reply' }).click();
    await expect(eliPanel.getByRole('list', { name: 'My saved replies' }).getByRole('listitem')).toHaveCount(1);
    await eliPanel.getByRole('button', { name: 'Close' }).click();

    // The picker shows both, each labelled (screenshots, desktop and phone).
    await eliBox.click();
    await eliBox.pressSequentially('/sh');
    await expect(eliList.getByRole('option')).toHaveCount(2);
    await expect(eliList.locator('.scope-badge')).toHaveText(['Team', 'Mine']);
    await shot(eli, 'picker-team-mine');
    await eli.setViewportSize({ width: 375, height: 740 });
    await expect(eliList).toBeVisible();
    await shot(eli, 'picker-team-mine-375');
    await eli.setViewportSize({ width: 1280, height: 720 });
    await eliBox.fill('');

    // Inserted, filled in, nothing sent.
    await eliBox.pressSequentially('/shou');
    await eliBox.press('Enter');
    await expect(eliBox).toHaveValue('On it, Omar Kunde!');
    await expect(inboxMessage(eli, 'On it, Omar Kunde!')).toHaveCount(0);
    await eliBox.fill('');

    // Edited, inserted again, then deleted.
    await eli.getByRole('button', { name: 'Saved replies' }).click();
    await eliPanel.getByRole('button', { name: 'Edit /shout' }).click();
    await eliPanel.getByLabel('Reply text').fill('Looking into it now, {visitor_name}.');
    await eliPanel.getByRole('button', { name: 'Save changes' }).click();
    await expect(eliPanel.getByRole('list', { name: 'My saved replies' })).toContainText('Looking into it now');
    await eliPanel.getByRole('button', { name: 'Close' }).click();
    await eliBox.pressSequentially('/shou');
    await eliBox.press('Enter');
    await expect(eliBox).toHaveValue('Looking into it now, Omar Kunde.');
    await eliBox.fill('');
    await eli.getByRole('button', { name: 'Saved replies' }).click();
    await eliPanel.getByRole('button', { name: 'Delete /shout' }).click();
    await expect(eliPanel.getByText('You have no saved replies yet.')).toBeVisible();
    await eliPanel.getByRole('button', { name: 'Close' }).click();

    // ---- Eli's draft survives a switch to another chat and back, and a reload.
    const draft = 'Half-written answer about the refund';
    await eliBox.fill(draft);
    await row(eli, 'Lena Gast').click();
    await expect(eli.locator('.head-visitor')).toHaveText('Lena Gast');
    await row(eli, 'Omar Kunde').click();
    await expect(eli.getByLabel('Reply')).toHaveValue(draft);
    await eli.reload();
    await row(eli, 'Omar Kunde').click();
    await expect(eli.getByLabel('Reply')).toHaveValue(draft);
    await eli.getByLabel('Reply').press('Enter');
    await expect(operatorMessage(omarWidget, draft)).toBeVisible();
    await expect(eli.getByLabel('Reply')).toHaveValue('');
    await eli.reload();
    await row(eli, 'Omar Kunde').click();
    await expect(eli.getByLabel('Reply')).toHaveValue('');

    // ---- The Join name is remembered: Take over offers "Eli S." in Lena's chat.
    await row(eli, 'Lena Gast').click();
    await eli.getByRole('button', { name: 'Take over' }).click();
    await expect(eli.getByLabel('Name shown to the visitor')).toHaveValue('Eli S.');
    await eli.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();

    // ---- Suggest: nothing for a question the knowledge base does not know…
    const danaBox = dana.getByLabel('Reply');
    await say(lenaWidget, 'Can you repaint my bicycle purple?');
    await expect(inboxMessage(dana, 'Can you repaint my bicycle purple?')).toBeVisible();
    await dana.getByRole('button', { name: 'Suggest' }).click();
    await expect(dana.getByRole('status').filter({ hasText: 'No good answer found in the knowledge base.' })).toBeVisible();
    await expect(danaBox).toHaveValue('');

    // …a draft into the empty box for one it does, sent only when Dana sends.
    await say(lenaWidget, 'How long does shipping take?');
    await expect(inboxMessage(dana, 'How long does shipping take?')).toBeVisible();
    await dana.getByRole('button', { name: 'Suggest' }).click();
    await expect(danaBox).toHaveValue(/We dispatch within 1–2 working days/);
    await expect(inboxMessage(dana, await danaBox.inputValue())).toHaveCount(0);
    await shot(dana, 'suggest');
    // Over her own text it is offered, not forced: Insert below keeps both.
    await danaBox.fill('Hello Lena!');
    await dana.getByRole('button', { name: 'Suggest' }).click();
    const offer = dana.getByRole('group', { name: 'Suggestion from the knowledge base' });
    await expect(offer).toContainText('We dispatch within 1–2 working days');
    await expect(danaBox).toHaveValue('Hello Lena!');
    await dana.setViewportSize({ width: 375, height: 740 });
    await shot(dana, 'suggest-offer-375');
    await dana.setViewportSize({ width: 1280, height: 720 });
    await offer.getByRole('button', { name: 'Insert below' }).click();
    await expect(danaBox).toHaveValue(/^Hello Lena!\n\nOf course! We dispatch/);
    await danaBox.fill('');

    // ---- Translate an incoming message into Dana's language, and back.
    const german = 'Wo ist mein Paket?';
    await say(lenaWidget, german);
    const incoming = inboxMessage(dana, german);
    await incoming.getByRole('button', { name: 'Translate' }).click();
    await expect(dana.getByRole('log').locator('.bubble', { hasText: '[en] WO IST MEIN PAKET?' })).toBeVisible();
    await dana.getByRole('button', { name: 'Show original' }).click();
    await expect(incoming).toBeVisible();
    // Two translations in flight at once: each lands, neither undoes the other.
    const [slow, quick] = ['Erste Frage (slow)', 'Zweite Frage'];
    await say(lenaWidget, slow);
    await say(lenaWidget, quick);
    await inboxMessage(dana, slow).getByRole('button', { name: 'Translate' }).click();
    await inboxMessage(dana, quick).getByRole('button', { name: 'Translate' }).click();
    const log = dana.getByRole('log');
    await expect(log.locator('.bubble', { hasText: '[en] ZWEITE FRAGE' })).toBeVisible();
    await expect(log.locator('.bubble', { hasText: '[en] ERSTE FRAGE (SLOW)' })).toBeVisible();
    await expect(log.locator('.bubble', { hasText: '[en] ZWEITE FRAGE' })).toBeVisible();

    // ---- Dana's reply, translated before sending: both texts shown first.
    const mine = 'Your parcel leaves the warehouse today.';
    const theirs = '[de] YOUR PARCEL LEAVES THE WAREHOUSE TODAY.';
    await danaBox.fill(mine);
    await dana.getByRole('button', { name: 'Translate to German' }).click();
    const preview = dana.getByRole('group', { name: 'Translation to send' });
    await expect(preview.locator('.reply-translated')).toHaveText(theirs);
    await expect(preview.locator('.reply-original')).toHaveText(mine);
    await shot(dana, 'translate-preview');
    await preview.getByRole('button', { name: 'Send translation' }).click();
    await expect(danaBox).toHaveValue('');
    const sent = inboxMessage(dana, theirs);
    await expect(sent).toBeVisible();
    await expect(sent.locator('.msg-original')).toContainText(mine);
    // The visitor sees only the translation: on the page and on the socket.
    await expect(operatorMessage(lenaWidget, theirs)).toBeVisible();
    await expect(lenaWidget).not.toContainText(mine);
    expect(lenaFrames.some((f) => f.includes('YOUR PARCEL LEAVES'))).toBe(true);
    expect(lenaFrames.filter((f) => f.includes(mine) || f.includes('"original"'))).toEqual([]);
    // A teammate reading along sees what Dana wrote too.
    await expect(inboxMessage(eli, theirs).locator('.msg-original')).toContainText(mine);
    await shot(dana, 'translated-exchange');
    await dana.setViewportSize({ width: 375, height: 740 });
    await shot(dana, 'translated-exchange-375');
    await dana.setViewportSize({ width: 1280, height: 720 });
    // After a reload too: the replayed log carries the translation only,
    // though the original is stored with it. The panel was open, so it
    // comes back open.
    await lena.reload();
    await expect(lenaWidget.getByRole('dialog')).toBeVisible();
    await expect(operatorMessage(lenaWidget, theirs)).toBeVisible();
    await expect(lenaWidget).not.toContainText(mine);
    expect(lenaFrames.filter((f) => f.includes(mine) || f.includes('"original"'))).toEqual([]);

    // ---- Tidy up: the team reply goes, the chats are resolved, all Offline.
    await dana.getByRole('button', { name: 'Saved replies' }).click();
    await danaPanel.getByRole('button', { name: 'Delete team /shipping' }).click();
    await expect(danaPanel.getByText('The team has no saved replies yet.')).toBeVisible();
    await danaPanel.getByRole('button', { name: 'Close' }).click();
    for (const [page, name] of [
      [dana, 'Lena Gast'],
      [eli, 'Omar Kunde'],
    ] as const) {
      await row(page, name).click();
      await page.getByRole('button', { name: 'Resolve', exact: true }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Resolve' }).click();
      await expect(page.locator('.head-state')).toHaveText(/^Resolved/);
      await page.getByLabel('My status').selectOption('offline');
      await expect(page.getByLabel('My status')).toHaveValue('offline');
    }
    expect(errors).toEqual([[], []]);
    expect(inboxErrors).toEqual([[], []]);
  } finally {
    await Promise.all([lenaContext, omarContext, eliContext, danaContext].map((c) => c.close()));
  }
});
