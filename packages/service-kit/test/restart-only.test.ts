import { restartOnlyProblems } from '../src/restart-only';

const running = {
  server: { listen_address: '0.0.0.0', port: 9096, body_limit_bytes: 1024 },
  storage: { postgres: { url: 'postgres://vigil:secret@db/vigil', pool_size: 10 } },
  routing: { team: 'ops' },
};

describe('restartOnlyProblems', () => {
  it('finds nothing when only reloadable keys change', () => {
    expect(restartOnlyProblems(running, { ...running, routing: { team: 'payments' } }, ['storage'])).toEqual(
      [],
    );
  });

  it('names a moved socket with where the service still serves, once even when server is restart-only', () => {
    const next = { ...running, server: { ...running.server, port: 9097, listen_address: '127.0.0.1' } };
    expect(restartOnlyProblems(running, next, ['server'])).toEqual([
      {
        path: ['server', 'listen_address'],
        message: 'changing it needs a restart (still serving on 0.0.0.0:9096)',
      },
      { path: ['server', 'port'], message: 'changing it needs a restart (still serving on 0.0.0.0:9096)' },
    ]);
  });

  it('names each changed key of a restart-only section, without its values (they may be credentials)', () => {
    const next = {
      ...running,
      server: { ...running.server, body_limit_bytes: 2048 },
      storage: { postgres: { url: 'postgres://vigil:other@db/vigil', pool_size: 10 } },
    };
    const problems = restartOnlyProblems(running, next, ['server', 'storage']);
    expect(problems.map((p) => p.path)).toEqual([
      ['server', 'body_limit_bytes'],
      ['storage', 'postgres', 'url'],
    ]);
    expect(JSON.stringify(problems)).not.toMatch(/secret|other|2048/);
    // Not named restart-only: the same change is the service's to apply.
    expect(restartOnlyProblems(running, next)).toEqual([]);
  });
});
