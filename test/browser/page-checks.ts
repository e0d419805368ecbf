// The checks every page of a browser walk gets: axe-core at desktop and phone sizes (serious and critical
// violations are problems), no sideways scroll on the phone, and a full-page screenshot of each size.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { ARTIFACTS, DESKTOP, PHONE } from './support.ts';

const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeResult {
  violations: { id: string; impact: string | null; nodes: { target: string[] }[] }[];
}

/** Checks the page at both sizes and returns the problems found (empty when it passes). Ends at desktop size. */
export async function checkPageAtBothSizes(page: Page, name: string): Promise<string[]> {
  const problems: string[] = [];
  for (const [size, viewport] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    await page.setViewportSize(viewport);
    await page.waitForTimeout(300); // maps refit 200 ms after a resize
    // Evaluated through the DevTools protocol, so the page's Content-Security-Policy stays as it is.
    if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
    const found = await page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<AxeResult> } })
        .axe;
      const r = await axe.run(document, { resultTypes: ['violations'] });
      return r.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map(
          (v) =>
            `${v.id} (${v.impact}) at ${v.nodes
              .map((n) => n.target.join(' '))
              .slice(0, 3)
              .join(', ')}`,
        );
    });
    for (const f of found) problems.push(`${name} [${size}]: ${f}`);
    if (size === 'phone') {
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      if (width > PHONE.width) problems.push(`${name} [phone]: the page is ${width} px wide`);
    }
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}-${size}.png`), fullPage: true });
  }
  await page.setViewportSize(DESKTOP);
  return problems;
}
