// The accessibility audit the specs share: axe-core (npm `axe-core`), run in
// the page. Its script goes in through `page.evaluate` rather than a
// <script> tag: the inbox's Content-Security-Policy rightly refuses inline
// scripts, and evaluate runs outside it without weakening the page. Plain
// axe-core rather than @axe-core/playwright: one dependency, no second
// Playwright version to keep in step, and this helper is all we need of it.
import { expect, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';

const source = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

type Violation = { id: string; impact: string | null; help: string; nodes: { target: unknown[]; failureSummary?: string }[] };

/** Runs axe on what `page` shows now; fails on any serious or critical
 *  violation, listing each with the elements it found. */
export async function audit(page: Page, what: string) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(source);
  const violations: Violation[] = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(c: unknown, o: unknown): Promise<{ violations: Violation[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
    }));
  });
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const report = bad
    .map((v) => `${v.impact} ${v.id}: ${v.help}\n${v.nodes.map((n) => `    ${JSON.stringify(n.target)} ${n.failureSummary?.replace(/\n/g, ' ') ?? ''}`).join('\n')}`)
    .join('\n');
  expect.soft(bad.length, `axe on ${what} at ${page.viewportSize()?.width}px:\n${report}`).toBe(0);
}
