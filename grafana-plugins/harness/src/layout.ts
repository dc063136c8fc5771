import type { Page } from 'playwright-core';

/** Controls a person must be able to reach: buttons, links, form fields, radio buttons. */
const CONTROLS =
  'button, a[href], input:not([type="hidden"]), select, textarea, [role="button"], [role="radio"]';

/**
 * What keeps the page from working at its viewport's width: the page scrolling sideways, and controls lying
 * partly outside the viewport (so a phone user cannot reach them). Empty when there is nothing.
 */
export async function narrowLayoutProblems(page: Page): Promise<string[]> {
  // Runs in the page, where jest's coverage counters do not exist: kept out of instrumentation.
  return page.evaluate(
    /* istanbul ignore next */ (selector) => {
      const problems: string[] = [];
      const root = document.documentElement;
      const width = root.clientWidth;
      if (root.scrollWidth > width)
        problems.push(`the page scrolls sideways: ${root.scrollWidth} px of content in ${width} px`);
      for (const el of Array.from(document.querySelectorAll(selector))) {
        const r = el.getBoundingClientRect();
        // Not laid out (display: none), hidden until wanted (a confirm button), or drawn by another element
        // (a radio input under its label).
        const style = getComputedStyle(el);
        if (r.width === 0 || r.height === 0 || style.visibility !== 'visible' || style.opacity === '0')
          continue;
        if (r.left < -0.5 || r.right > width + 0.5) {
          const name =
            el.getAttribute('aria-label') || el.textContent?.trim() || el.getAttribute('name') || '';
          problems.push(
            `${el.tagName.toLowerCase()} "${name.slice(0, 40)}" lies outside the viewport (${Math.round(r.left)} to ${Math.round(r.right)} px)`,
          );
        }
      }
      return problems;
    },
    CONTROLS,
  );
}
