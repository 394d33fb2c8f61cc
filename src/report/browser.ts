// Headless Debian Chromium for the report and viewer tests (playwright-core drives the system browser;
// no browser download). Screenshots go to test-results/ (git-ignored).

import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env['BCT_CHROMIUM'] ?? '/usr/bin/chromium';

/** Why browser tests cannot run here, or false when they can (for `test(..., { skip })`). */
export function browserSkip(): string | false {
  return existsSync(CHROMIUM_PATH) ? false : `no Chromium at ${CHROMIUM_PATH} (set BCT_CHROMIUM)`;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** Path for a screenshot under test-results/ (created on demand). */
export function screenshotPath(name: string): string {
  const dir = resolve('test-results');
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}
