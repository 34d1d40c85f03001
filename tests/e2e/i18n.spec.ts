// The inbox in Arabic: chosen from the browser's language, laid out right to
// left, no English left on the main screens; user-written text takes its own
// direction (dir=auto); the picker switches back to English.
import { expect, test } from '@playwright/test';
import { OPERATOR, exactly, handOverRequest, openWidget, say } from './support';

// English labels that must not show once the inbox is in Arabic.
const ENGLISH = ['Sign out', 'My status', 'Waiting', 'All open', 'Resolved', 'Mine', 'Team and settings', 'Select a conversation to start chatting'];

test('the inbox speaks Arabic right to left, user text keeps its own direction, English comes back', async ({ browser }) => {
  const operatorContext = await browser.newContext({ locale: 'ar-EG' });
  const operator = await operatorContext.newPage();
  const visitorContext = await browser.newContext({ locale: 'en-GB' });
  const visitor = await visitorContext.newPage();
  try {
    // Sign-in, already in Arabic: the browser's language chose it.
    await operator.goto('/inbox/');
    const html = operator.locator('html');
    await expect(html).toHaveAttribute('dir', 'rtl');
    await expect(html).toHaveAttribute('lang', 'ar');
    await expect(operator.getByRole('heading', { name: 'مرحبًا بعودتك' })).toBeVisible();
    await expect(operator.getByRole('button', { name: 'Sign in' })).toHaveCount(0);
    await operator.getByLabel('البريد الإلكتروني').fill(OPERATOR.email);
    await operator.getByLabel('كلمة المرور').fill(OPERATOR.password);
    await operator.getByRole('button', { name: 'تسجيل الدخول' }).click();

    // The inbox: Arabic labels, none of the English ones.
    const status = operator.getByLabel('حالتي');
    await expect(status).toBeVisible();
    await status.selectOption('available');
    await expect(status).toHaveValue('available');
    await expect(operator.getByRole('button', { name: 'تسجيل الخروج' })).toBeVisible();
    await expect(operator.getByRole('navigation').getByText('بانتظار الرد')).toBeVisible();
    await expect(operator.getByText('اختر محادثة لبدء الدردشة')).toBeVisible();
    await expect(operator.locator('.roster-count')).toContainText('متصلون');
    for (const english of ENGLISH) {
      await expect(operator.getByText(exactly(english)), english).toHaveCount(0);
    }
    // The layout really is mirrored: the list sits right of the conversation.
    const list = await operator.locator('.pane-list').boundingBox();
    const empty = await operator.locator('.pane-empty').boundingBox();
    expect(list && empty && list.x > empty.x).toBe(true);

    // The pages beside the inbox speak Arabic too.
    await operator.getByRole('button', { name: 'ملفي الشخصي' }).click();
    await expect(operator.getByRole('heading', { name: 'كيف يراك الزوار' })).toBeVisible();
    await expect(operator.getByLabel('الاسم الظاهر')).toHaveAttribute('dir', 'auto');
    await expect(operator.getByText('Display name')).toHaveCount(0);
    await operator.getByRole('navigation').getByText('بانتظار الرد').click();

    // A visitor writes mixed Arabic, Hebrew and English, and one English line.
    const name = `ليلى Levi ${Date.now() % 100_000}`;
    const widget = await openWidget(visitor);
    await visitor.evaluate((n) => (window as unknown as { Baton: { identify(v: object): void } }).Baton.identify({ name: n }), name);
    const mixed = 'مرحبا، שלום and hello: طلبي رقم 4412 لم يصل';
    const english = 'Order 4412 — شكرا';
    await say(widget, mixed);
    await say(widget, english);
    await handOverRequest(widget);

    const row = operator.getByRole('listitem').filter({ hasText: name }).filter({ hasText: 'طلب المساعدة' });
    await expect(row).toHaveCount(1);
    await expect(row.locator('.row-visitor')).toHaveAttribute('dir', 'auto');
    await row.click();
    await expect(operator.getByRole('button', { name: 'انضمام', exact: true })).toBeVisible();

    const log = operator.getByRole('log', { name: 'الرسائل' });
    const mixedBubble = log.locator('.bubble', { hasText: exactly(mixed) });
    const englishBubble = log.locator('.bubble', { hasText: exactly(english) });
    await expect(mixedBubble).toHaveAttribute('dir', 'auto');
    await expect(englishBubble).toHaveAttribute('dir', 'auto');
    const direction = (el: Element) => getComputedStyle(el).direction;
    expect(await mixedBubble.evaluate(direction)).toBe('rtl');
    // dir=auto is not just "inherit the page": the English line stays LTR.
    expect(await englishBubble.evaluate(direction)).toBe('ltr');
    await expect(operator.locator('.head-visitor')).toHaveAttribute('dir', 'auto');
    // Join (the dialog speaks Arabic too), then the reply box is dir=auto.
    await operator.getByRole('button', { name: 'انضمام', exact: true }).click();
    const dialog = operator.getByRole('dialog');
    await expect(dialog.getByLabel('الاسم الذي يراه الزائر')).toHaveAttribute('dir', 'auto');
    await dialog.getByRole('button', { name: 'انضمام' }).click();
    await expect(operator.getByLabel('الرد', { exact: true })).toHaveAttribute('dir', 'auto');
    await expect(operator.getByText('أنت في هذه المحادثة')).toBeVisible();

    // Back to English with the picker (it reloads, signed in as before).
    await operator.getByRole('combobox', { name: 'اللغة' }).selectOption('en');
    await expect(html).toHaveAttribute('dir', 'ltr');
    await expect(html).toHaveAttribute('lang', 'en');
    await expect(operator.getByLabel('My status')).toBeVisible();
    await expect(operator.getByRole('button', { name: 'Sign out' })).toBeVisible();
    await expect(operator.getByText('تسجيل الخروج')).toHaveCount(0);
    await expect(operator.getByRole('combobox', { name: 'Language' })).toHaveValue('en');
  } finally {
    await visitorContext.close();
    await operatorContext.close();
  }
});
