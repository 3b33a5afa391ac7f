import { launchChromium } from './test/support/browser.js';
const base = process.argv[2]!;
const browser = await launchChromium();
for (const width of [1280, 375]) {
  const context = await browser.newContext({ viewport: { width, height: 900 }, timezoneId: 'Europe/Berlin' });
  const page = await context.newPage();
  page.on('console', (m) => console.log('console:', m.text()));
  await page.goto(`${base}/login`);
  await page.fill('input[name="key"]', 'dev-admin-token-0123456789');
  await page.click('button[type="submit"]');
  await page.waitForURL(`${base}/`);
  for (const [name, url] of [['results', '/'], ['image', '/images/1'], ['people', '/people'], ['person', '/people/1'], ['empty', '/?person=zzz'], ['audit', '/audit']]) {
    await page.goto(base + url);
    await page.waitForTimeout(300);
    await page.screenshot({ path: `/tmp/ftdev/${name}-${width}.png`, fullPage: true });
    const sw = await page.evaluate(() => document.documentElement.scrollWidth);
    console.log(name, width, 'scrollWidth', sw);
  }
  await context.close();
}
await browser.close();
