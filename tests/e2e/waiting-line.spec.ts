// Issue 14 end to end: the visitor never waits blind (a live place in the
// line), a request is never lost (a lapse or nobody online ends in a left
// message the team answers by email), and the chat ends well (a rating the
// inbox shows). Real server, real widget and inbox, the test's SMTP sink.
import { expect, test, type Locator, type Page } from '@playwright/test';
import {
  TEAM,
  availableOperator,
  inboxRows,
  inboxView,
  mails,
  nameVisitor,
  openWidget,
  say,
  setStatus,
  signedIn,
  talkToHuman,
  watchErrors,
} from './support';

/** The visitor's place in line, as the waiting bar shows it ("2nd in line · …"). */
async function placeInLine(widget: Locator): Promise<number> {
  const text = (await widget.locator('.baton-place').textContent()) ?? '';
  const match = /^(\d+)(st|nd|rd|th) in line · /.exec(text.trim());
  expect(match, `a place in line: "${text}"`).not.toBeNull();
  return Number(match![1]);
}

/** Opens the widget on the shop, names the visitor and asks for a person. */
async function waitingVisitor(page: Page, name: string): Promise<Locator> {
  const widget = await openWidget(page);
  await nameVisitor(page, name);
  await say(widget, 'I need to change my delivery address');
  await talkToHuman(widget).click();
  await expect(widget.getByText('Connecting you to a person…')).toBeVisible();
  await expect(widget.locator('.baton-place')).toBeVisible();
  return widget;
}

/** Opens a conversation by the visitor's name in the current view. */
async function openRow(operator: Page, name: string) {
  await inboxRows(operator).filter({ hasText: name }).click();
  await expect(operator.getByRole('heading', { name })).toBeVisible();
}

/** The Live chat settings of the shop's bot, changed by `edit` and saved. */
async function shopSettings(operator: Page, edit: (page: Page) => Promise<void>) {
  await operator.getByRole('button', { name: 'Live chat settings' }).click();
  await operator.getByRole('region', { name: 'Live chat settings' }).getByLabel('Bot', { exact: true }).selectOption({ label: 'Shop assistant' });
  await edit(operator);
  await operator.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(operator.getByText('Saved — visitors see it now')).toBeVisible();
  await inboxView(operator, 'All open').click();
}

test('two visitors see their place in line, and the second moves up when the first is joined', async ({ browser }) => {
  const { context: operatorContext, page: operator } = await availableOperator(browser);
  const first = await browser.newContext();
  const second = await browser.newContext();
  try {
    const stamp = Date.now() % 100_000;
    const [ana, ben] = [`Ana Line ${stamp}`, `Ben Line ${stamp}`];
    const firstPage = await first.newPage();
    const errors = watchErrors(firstPage);
    const anaWidget = await waitingVisitor(firstPage, ana);
    const anaPlace = await placeInLine(anaWidget);
    const benWidget = await waitingVisitor(await second.newPage(), ben);
    // Others may wait on the shared server; Ben is right behind Ana.
    await expect.poll(() => placeInLine(benWidget)).toBe(anaPlace + 1);
    // An estimate from recent joins, or "a few minutes" without enough of
    // them (earlier specs on this server may have joined chats).
    await expect(benWidget.locator('.baton-place')).toHaveText(/ in line · (a few minutes|about \d+ min)$/);

    // Dana joins Ana: Ben moves up without reloading.
    await inboxView(operator, 'Waiting').click();
    await openRow(operator, ana);
    await operator.getByRole('button', { name: 'Join', exact: true }).click();
    await operator.getByRole('dialog').getByRole('button', { name: 'Join chat' }).click();
    await expect(anaWidget.locator('.baton-joined')).toBeVisible();
    await expect(anaWidget.locator('.baton-place')).toHaveCount(0);
    await expect.poll(() => placeInLine(benWidget)).toBe(anaPlace);

    // Leave the server as found: both resolved.
    await operator.getByRole('button', { name: 'Resolve', exact: true }).click();
    await operator.getByRole('dialog').getByRole('button', { name: 'Resolve' }).click();
    await openRow(operator, ben);
    await operator.getByRole('button', { name: 'Resolve', exact: true }).click();
    await operator.getByRole('dialog').getByRole('button', { name: 'Resolve' }).click();
    expect(errors).toEqual([]);
  } finally {
    await first.close();
    await second.close();
    await setStatus(operator, 'offline');
    await operatorContext.close();
  }
});

test('a lapsed request: the visitor leaves an email, the team answers it by email', async ({ browser }) => {
  test.setTimeout(120_000);
  const { context: operatorContext, page: operator } = await availableOperator(browser);
  const visitorContext = await browser.newContext();
  try {
    // The shortest window, so the request lapses within the test.
    await shopSettings(operator, async (page) => {
      await page.getByLabel('Response window', { exact: true }).fill('15');
      await page.getByLabel('Response window unit').selectOption('seconds');
    });
    const visitor = await visitorContext.newPage();
    const errors = watchErrors(visitor);
    const name = `Lapse ${Date.now() % 100_000}`;
    const widget = await waitingVisitor(visitor, name);

    // Nobody joins: the visitor is asked what to do next.
    const choices = widget.getByRole('group', { name: 'What would you like to do?' });
    await expect(choices).toBeVisible({ timeout: 30_000 });
    await expect(choices.getByRole('button')).toHaveText(['Keep waiting', 'Leave a message', 'Back to the assistant']);
    await choices.getByRole('button', { name: 'Leave a message' }).click();
    const email = widget.getByRole('textbox', { name: 'Your email' });
    await expect(email).toBeFocused();
    // A bad address is caught before it is sent.
    await email.fill('ana.example.com');
    await widget.getByRole('textbox', { name: 'Your message' }).fill('Please call me back about my order #4411.');
    await widget.getByRole('button', { name: 'Send message' }).click();
    await expect(widget.getByRole('alert')).toHaveText('Please enter an email address like name@example.com.');
    await email.fill('ana@example.com');
    await widget.getByRole('button', { name: 'Send message' }).click();
    await expect(widget.getByText('Message left. The team will reply to ana@example.com by email.')).toBeVisible();
    await expect(widget.getByRole('group', { name: 'What would you like to do?' })).toHaveCount(0);

    // The team finds it under Left a message and answers by email.
    await inboxView(operator, 'Left a message').click();
    await openRow(operator, name);
    await expect(operator.getByRole('log').getByText('Please call me back about my order #4411.')).toBeVisible();
    await operator.getByRole('button', { name: 'Reply by email' }).click();
    const dialog = operator.getByRole('dialog', { name: `Reply to ${name} by email` });
    const answer = `Hi Ana, your order #4411 ships tomorrow (${Date.now()}).`;
    await dialog.getByLabel('Your reply').fill(answer);
    await dialog.getByRole('button', { name: 'Send email' }).click();
    await expect(operator.getByText('Email sent to ana@example.com.')).toBeVisible();

    // The email reached the SMTP sink, and the answer shows in the chat.
    await expect
      .poll(async () => (await mails()).filter((m) => m.to.includes('ana@example.com') && m.body.includes(answer)).length)
      .toBe(1);
    await expect(widget.locator('.baton-msg.is-operator').filter({ hasText: answer })).toBeVisible();
    await expect(widget.getByText('Dana replied by email')).toBeVisible();
    // Answered, it leaves the view.
    await expect(inboxRows(operator).filter({ hasText: name })).toHaveCount(0);
    expect(errors).toEqual([]);
  } finally {
    await visitorContext.close();
    await shopSettings(operator, async (page) => {
      await page.getByLabel('Response window', { exact: true }).fill('2');
      await page.getByLabel('Response window unit').selectOption('minutes');
    }).catch(() => {});
    await setStatus(operator, 'offline');
    await operatorContext.close();
  }
});

test('the assistant asks for a person itself, and the team sees why', async ({ browser }) => {
  const { context: operatorContext, page: operator } = await availableOperator(browser);
  const visitorContext = await browser.newContext();
  try {
    const visitor = await visitorContext.newPage();
    const errors = watchErrors(visitor);
    const widget = await openWidget(visitor);
    const name = `Unsure ${Date.now() % 100_000}`;
    await nameVisitor(visitor, name);
    // Two questions in a row the shop's assistant cannot answer.
    await say(widget, 'Can you engrave my initials on the buckle?');
    await expect(widget.locator('.baton-msg.is-bot').last()).toContainText("I'm not sure");
    await say(widget, 'Could a falconer collect it at the quay?');
    await expect(widget.getByText('The assistant asked a person to join you.')).toBeVisible();
    await expect(widget.getByText('Connecting you to a person…')).toBeVisible();
    await expect(widget.locator('.baton-place')).toBeVisible();

    // The inbox says why, in the row and in the conversation's header.
    const why = 'The assistant could not answer: “Could a falconer collect it at the quay?”';
    await inboxView(operator, 'Waiting').click();
    const row = inboxRows(operator).filter({ hasText: name });
    await expect(row).toContainText(`Why: ${why}`);
    await row.click();
    await expect(operator.locator('.head-reason')).toHaveText(`The assistant asked for a person: ${why}`);
    await operator.getByRole('button', { name: 'Resolve', exact: true }).click();
    await operator.getByRole('dialog').getByRole('button', { name: 'Resolve' }).click();
    expect(errors).toEqual([]);
  } finally {
    await visitorContext.close();
    await setStatus(operator, 'offline');
    await operatorContext.close();
  }
});

test('after a person resolves, the visitor rates the chat and the inbox shows it', async ({ browser }) => {
  const { context: operatorContext, page: operator } = await availableOperator(browser);
  const visitorContext = await browser.newContext();
  try {
    const visitor = await visitorContext.newPage();
    const errors = watchErrors(visitor);
    const name = `Rater ${Date.now() % 100_000}`;
    const widget = await waitingVisitor(visitor, name);
    await inboxView(operator, 'Waiting').click();
    await openRow(operator, name);
    await operator.getByRole('button', { name: 'Join', exact: true }).click();
    await operator.getByRole('dialog').getByRole('button', { name: 'Join chat' }).click();
    await expect(widget.locator('.baton-joined')).toBeVisible();
    await operator.getByRole('button', { name: 'Resolve', exact: true }).click();
    await operator.getByRole('dialog').getByRole('button', { name: 'Resolve' }).click();

    const rating = widget.getByRole('group', { name: 'How was your chat with Dana?' });
    await expect(rating).toBeVisible();
    // Keyboard: the stars are one radio group.
    await rating.getByRole('radio', { name: '3 of 5' }).check();
    await visitor.keyboard.press('ArrowRight');
    await expect(rating.getByRole('radio', { name: '4 of 5' })).toBeChecked();
    await widget.getByRole('textbox', { name: 'Anything to add? (optional)' }).fill('Quick and kind, thank you');
    await widget.getByRole('button', { name: 'Send rating' }).click();
    await expect(widget.getByText('Thank you for your rating.')).toBeVisible();
    await expect(rating).toHaveCount(0);

    // The inbox shows it on the conversation…
    await expect(operator.getByText('Rated 4 of 5')).toBeVisible();
    await expect(operator.getByText('“Quick and kind, thank you”').first()).toBeVisible();
    // …and the Team page counts it in Dana's average.
    await operator.getByRole('button', { name: 'Team', exact: true }).click();
    await expect(operator.getByRole('region', { name: 'Ratings' })).toContainText('Dana');

    // The transcript, once, by email.
    await widget.getByRole('button', { name: 'Email me this chat' }).click();
    await widget.getByRole('textbox', { name: 'Your email' }).fill('rater@example.com');
    await widget.getByRole('button', { name: 'Send', exact: true }).click();
    await expect(widget.getByText('A copy of this chat is on its way to rater@example.com.')).toBeVisible();
    await expect(widget.getByRole('button', { name: 'Email me this chat' })).toHaveCount(0);
    await expect.poll(async () => (await mails()).filter((m) => m.to.includes('rater@example.com')).length).toBe(1);
    expect(errors).toEqual([]);
  } finally {
    await visitorContext.close();
    await setStatus(operator, 'offline');
    await operatorContext.close();
  }
});

test('nobody online: the offline message offers the email form, and the team finds the message', async ({ browser }) => {
  // Everyone Offline (status is manual: earlier specs may have left someone Available).
  for (const who of [TEAM.dana, TEAM.eli, TEAM.noor]) {
    const { context, page } = await signedIn(browser, who);
    await setStatus(page, 'offline');
    await context.close();
  }
  const visitorContext = await browser.newContext();
  try {
    const visitor = await visitorContext.newPage();
    const errors = watchErrors(visitor);
    const widget = await openWidget(visitor);
    const name = `Offline ${Date.now() % 100_000}`;
    await nameVisitor(visitor, name);
    await expect(widget.getByText('Our team is offline right now')).toBeVisible();
    await expect(talkToHuman(widget)).toHaveCount(0);
    await widget.getByRole('button', { name: 'Leave a message' }).click();
    await widget.getByRole('textbox', { name: 'Your email' }).fill('sam@example.com');
    await widget.getByRole('textbox', { name: 'Your message' }).fill('Do you ship to Norway?');
    await widget.getByRole('button', { name: 'Send message' }).click();
    await expect(widget.getByText('Message left. The team will reply to sam@example.com by email.')).toBeVisible();
    expect(errors).toEqual([]);

    // Dana signs in later (still Offline) and finds it listed.
    const { context, page: dana } = await signedIn(browser, TEAM.dana);
    try {
      await inboxView(dana, 'Left a message').click();
      await expect(inboxRows(dana).filter({ hasText: name })).toContainText('Left a message');
    } finally {
      await context.close();
    }
  } finally {
    await visitorContext.close();
  }
});
