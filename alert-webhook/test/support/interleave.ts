import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs } from 'kysely';

/**
 * A controllable database wrapper (`db.withPlugin(gate)`): counts the statements run through it, and at the
 * chosen one holds its result until `release()`, so the caller stands still at that await point while
 * another merge runs. `fail` throws instead at the chosen statement (an injected fault).
 */
export class StatementGate implements KyselyPlugin {
  count = 0;
  private open: () => void = () => {};
  private readonly gate = new Promise<void>((resolve) => (this.open = resolve));
  /** Resolves once the held statement has run (or never, if the caller made fewer statements). */
  readonly reached: Promise<void>;
  private arrive: () => void = () => {};

  constructor(
    /** 1-based: the statement after which the caller waits; 0 holds nothing. */
    private readonly at: number,
    private readonly fail?: (n: number) => Error | undefined,
  ) {
    this.reached = new Promise((resolve) => (this.arrive = resolve));
  }

  transformQuery({ node }: PluginTransformQueryArgs) {
    return node;
  }

  async transformResult({ result }: PluginTransformResultArgs) {
    const n = ++this.count;
    const fault = this.fail?.(n);
    if (fault) throw fault;
    if (n === this.at) {
      this.arrive();
      await this.gate;
    }
    return result;
  }

  release(): void {
    this.open();
  }
}
