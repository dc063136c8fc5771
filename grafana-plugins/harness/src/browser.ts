import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, headless, with the flags CI needs (no sandbox as root, no GPU, no background traffic). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}
