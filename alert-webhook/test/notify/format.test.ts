import { truncate } from '../../src/notify/format';

/** No lone half of a surrogate pair (String.prototype.isWellFormed, without ES2024's typings). */
const wellFormed = (text: string) =>
  !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);

describe('truncate', () => {
  it('keeps text within the limit as it is, and cuts longer text to the limit, ending in "…"', () => {
    expect(truncate('checkout', 8)).toBe('checkout');
    expect(truncate('checkout down', 8)).toBe('checkou…');
    expect(truncate('checkout down', 8)).toHaveLength(8);
  });

  it('never cuts an emoji in half: the pair goes whole or not at all', () => {
    const text = `${'x'.repeat(6)}🔥 fire`; // the emoji is units 6 and 7
    const cut = truncate(text, 8);
    expect(cut).toBe('xxxxxx…');
    expect(wellFormed(cut)).toBe(true);
    expect(truncate(`${'x'.repeat(5)}🔥 fire`, 8)).toBe('xxxxx🔥…');
    expect(wellFormed('x\ud83d…')).toBe(false); // what slice(0, 7) left before
    for (let max = 2; max < 40; max++) {
      expect(wellFormed(truncate('🔥'.repeat(20), max))).toBe(true);
      expect(truncate('🔥'.repeat(20), max).length).toBeLessThanOrEqual(max);
    }
  });
});
