/**
 * The message of the ConfigError that `load` throws: what a user is told about a bad config. Fails the
 * test if the config is accepted or something other than a ConfigError is thrown.
 */
export function configRefusal(load: () => unknown): string {
  try {
    load();
  } catch (err) {
    if ((err as Error).name === 'ConfigError') return (err as Error).message;
    throw err;
  }
  throw new Error('config was accepted');
}
