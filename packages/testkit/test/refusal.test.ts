import { configRefusal } from '../src';

class ConfigError extends Error {
  override name = 'ConfigError';
}

describe('configRefusal', () => {
  it("gives the ConfigError's message", () => {
    expect(
      configRefusal(() => {
        throw new ConfigError('server.port: too big');
      }),
    ).toBe('server.port: too big');
  });

  it('fails when the config is accepted, or refused by another kind of error', () => {
    expect(() => configRefusal(() => ({}))).toThrow('config was accepted');
    expect(() =>
      configRefusal(() => {
        throw new TypeError('x is undefined');
      }),
    ).toThrow(TypeError);
  });
});
