import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's chromium, or `$FEDSIFT_CHROMIUM`. */
const CHROMIUM = process.env.FEDSIFT_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Starts headless Chromium (Debian's, driven by playwright-core) for the dashboard tests; the caller closes it.
 * @throws AssertionError when the browser is not installed (.ci/run installs it).
 */
export async function launchChromium(): Promise<Browser> {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} missing: install Debian's chromium (.ci/run does)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** What the dashboard's Chart.js chart on canvas `id` shows: its x axis title and each dataset's label and data. */
export function chartOn(
  page: Page,
  id: string,
): Promise<{ axis: string; datasets: { label: string; data: unknown[] }[] }> {
  return page.evaluate((canvas) => {
    type Shown = {
      options: { scales: { x: { title: { text: string } } } };
      data: { datasets: { label: string; data: unknown[] }[] };
    };
    const c = (window as unknown as { Chart: { getChart(id: string): Shown } }).Chart.getChart(canvas);
    return {
      axis: c.options.scales.x.title.text,
      datasets: c.data.datasets.map((d) => ({ label: d.label, data: d.data })),
    };
  }, id);
}
