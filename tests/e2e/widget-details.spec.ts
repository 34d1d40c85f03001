// Details of the visitor widget a person notices: one "Talk to a human" at a
// time (the bot's inline offer, or else the bar's button, and never an old
// offer), and the operator's own colour (demo/baton.toml: operator_colour
// "#0b7a75") on the joined banner, the avatar and the operator's bubbles —
// set through the CSSOM, which the demo's `style-src 'self'` allows (the
// error watcher fails the test on any CSP violation).
import { expect, test } from '@playwright/test';
import { OPERATOR, openWidget, operatorAndVisitor, operatorMessage, reply, say, talkToHuman } from './support';

const TEAL = 'rgb(11, 122, 117)'; // #0b7a75
const HELLO = 'Hi, Dana here — what can I do for you?';

test('one "Talk to a human" at a time, and the operator in their own colour', async ({ browser }) => {
  await operatorAndVisitor(browser, async ({ operator, visitor, errors }) => {
    const widget = await openWidget(visitor);
    // Named, so the operator finds this visitor's row whatever else waits.
    await visitor.evaluate(() =>
      (window as unknown as { Baton: { identify(v: object): void } }).Baton.identify({ name: 'Colour Check' }),
    );
    const bar = widget.locator('.baton-bar').getByRole('button', { name: 'Talk to a human' });
    const inline = widget.locator('.baton-offer');

    // Before the bot offers anything, the bar offers a person.
    await expect(bar).toBeVisible();

    // The bot offers a person inline: that is the one offer shown.
    await say(widget, 'Can I talk to a person, please?');
    await expect(inline).toHaveCount(1);
    await expect(talkToHuman(widget)).toHaveCount(1);
    await expect(bar).toHaveCount(0);

    // Taking it: the widget waits for the team and offers nothing.
    await inline.click();
    await expect(widget.getByText('Connecting you to a person…')).toBeVisible();
    await expect(talkToHuman(widget)).toHaveCount(0);

    // Dana joins; her colour reaches the widget.
    const row = operator.getByRole('listitem').filter({ hasText: 'Colour Check' });
    await row.click();
    await operator.getByRole('button', { name: 'Join', exact: true }).click();
    await operator.getByRole('dialog').getByRole('button', { name: 'Join chat' }).click();
    const joined = widget.locator('.baton-joined');
    await expect(joined).toContainText(`You're chatting with ${OPERATOR.name}`);
    await expect(joined).toHaveCSS('border-inline-start-color', TEAL);
    await expect(widget.locator('.baton-header .baton-avatar')).toHaveCSS('background-color', TEAL);

    await reply(operator, HELLO);
    const message = operatorMessage(widget, HELLO);
    await expect(message).toBeVisible();
    await expect(message.locator('.baton-author')).toHaveCSS('color', TEAL);
    // The bubble is tinted with her colour, not the theme's indigo: a tint of
    // teal on white has more green than red.
    const tint = await message.locator('.baton-bubble').evaluate((el) => getComputedStyle(el).backgroundColor);
    const [r, g] = (tint.match(/[\d.]+/g) ?? []).map(Number);
    expect(tint, 'a computed background').not.toBe('');
    expect(g, `green over red in ${tint}`).toBeGreaterThan(r);

    // The visitor ends the chat with Dana: the bot is back, and the old
    // inline offer is history — the bar is the one way to ask again.
    await widget.getByRole('button', { name: 'End chat with person' }).click();
    await expect(widget.getByText(`You ended the chat with ${OPERATOR.name} — the assistant is back`)).toBeVisible();
    await expect(inline).toHaveCount(0);
    await expect(talkToHuman(widget)).toHaveCount(1);
    await expect(bar).toBeVisible();

    expect(errors).toEqual([]);
  });
});
