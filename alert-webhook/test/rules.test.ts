import { applyTransition, decideAlert, highestSeverity } from '../src/incidents/rules';
import { parseDuration } from '@vigil/service-kit';

describe('alert decisions per occurrence', () => {
  it('stores an unknown occurrence, firing or resolved', () => {
    expect(decideAlert(undefined, 'firing')).toBe('new');
    expect(decideAlert(undefined, 'resolved')).toBe('new');
  });
  it('moves firing to resolved, and never back', () => {
    expect(decideAlert('firing', 'resolved')).toBe('resolve');
    expect(decideAlert('resolved', 'firing')).toBe('stale');
    expect(decideAlert('resolved', 'resolved')).toBe('stale');
    expect(decideAlert('firing', 'firing')).toBe('refresh');
  });
});

describe('incident state machine', () => {
  it('acknowledges and resolves a triggered incident', () => {
    expect(applyTransition('triggered', 'acknowledge')).toEqual({
      outcome: 'changed',
      status: 'acknowledged',
    });
    expect(applyTransition('acknowledged', 'resolve')).toEqual({ outcome: 'changed', status: 'resolved' });
    expect(applyTransition('triggered', 'resolve')).toEqual({ outcome: 'changed', status: 'resolved' });
  });
  it('reopens only resolved incidents', () => {
    expect(applyTransition('resolved', 'reopen')).toEqual({ outcome: 'changed', status: 'triggered' });
    expect(applyTransition('acknowledged', 'reopen')).toEqual({ outcome: 'invalid' });
  });
  it('refuses to acknowledge a resolved incident and treats repeats as no-ops', () => {
    expect(applyTransition('resolved', 'acknowledge')).toEqual({ outcome: 'invalid' });
    expect(applyTransition('acknowledged', 'acknowledge')).toEqual({ outcome: 'unchanged' });
    expect(applyTransition('resolved', 'resolve')).toEqual({ outcome: 'unchanged' });
  });
});

describe('severity', () => {
  it('takes the most urgent known severity, unknown ones last', () => {
    expect(highestSeverity(['info', 'critical', 'warning'])).toBe('critical');
    expect(highestSeverity(['P5', 'warning'])).toBe('warning');
    expect(highestSeverity(['Critical', 'warning'])).toBe('Critical');
    expect(highestSeverity([])).toBe('none');
  });
});

describe('durations', () => {
  it('parses Prometheus-style durations', () => {
    expect(parseDuration('0s')).toBe(0);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('5 minutes')).toBeUndefined();
    expect(parseDuration('')).toBeUndefined();
  });
});
