import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { REPO_ROOT } from './standalone.js';

/**
 * Where the browser tests save a screenshot of every page they visit. `.ci/run` names this
 * folder as CI's artifacts; SCREENSHOTS_DIR moves it.
 */
export const SCREENSHOTS_DIR =
  process.env.SCREENSHOTS_DIR ?? path.join(REPO_ROOT, 'test-artifacts', 'screenshots');

/**
 * Saves a full-page screenshot as <name>.jpg in SCREENSHOTS_DIR: Chromium encodes a long page
 * with photos faster as JPEG than as PNG, and these are for people to look at.
 */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  const file = path.join(SCREENSHOTS_DIR, `${name}.jpg`);
  await page.screenshot({ path: file, fullPage: true, type: 'jpeg', quality: 80 });
  return file;
}

let axeSource: string | undefined;

/** The page's document, as far as these checks use it (the tests compile without lib.dom). */
declare const document: {
  documentElement: { scrollWidth: number; clientWidth: number };
};

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * Runs axe-core (from npm) on the page and returns its serious and critical violations. The
 * page's CSP allows scripts from its own origin only, so axe is not added as a <script>: it is
 * evaluated through the DevTools protocol, which the CSP does not govern.
 */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  const hasAxe = await page.evaluate(() => 'axe' in globalThis);
  if (!hasAxe) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: {
          run(
            context: unknown,
            options: unknown,
          ): Promise<{
            violations: Array<{
              id: string;
              impact: string | null;
              help: string;
              nodes: Array<{ target: unknown[] }>;
            }>;
          }>;
        };
      }
    ).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      nodes: violation.nodes.map((node) => JSON.stringify(node.target)),
    }));
  });
  return violations.filter(
    (violation) => violation.impact === 'serious' || violation.impact === 'critical',
  );
}

/** How much wider than the viewport the page is (0 when nothing scrolls sideways). */
export async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
}

/** What imageLoaded() needs of an <img> (the tests compile without lib.dom). */
interface ImageElement {
  complete: boolean;
  naturalWidth: number;
  addEventListener(type: 'load' | 'error', listener: () => void, options?: { once: boolean }): void;
}

/**
 * Waits until the image is loaded and decoded, and fails if it cannot load. It runs through the
 * DevTools protocol (locator.evaluate): page.waitForFunction polls with code the page's CSP
 * refuses to evaluate.
 */
export async function imageLoaded(image: Locator, timeoutMs = 15_000): Promise<void> {
  await image.scrollIntoViewIfNeeded({ timeout: timeoutMs });
  await image.evaluate(
    (element: unknown) =>
      new Promise<void>((resolve, reject) => {
        const img = element as ImageElement;
        if (img.complete) {
          if (img.naturalWidth > 0) resolve();
          else reject(new Error('the image did not load'));
          return;
        }
        img.addEventListener('load', () => resolve(), { once: true });
        img.addEventListener('error', () => reject(new Error('the image did not load')), {
          once: true,
        });
      }),
    undefined,
    { timeout: timeoutMs },
  );
}
