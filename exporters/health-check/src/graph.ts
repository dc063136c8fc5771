/**
 * Orders services so that every dependency comes before its dependents, or names a cycle.
 * Health is evaluated in this order, so a dependent always sees its dependencies' final status.
 */
export function dependencyOrder(
  dependsOn: ReadonlyMap<string, readonly string[]>,
): { order: string[] } | { cycle: string[] } {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'visiting') return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 'visiting');
    stack.push(name);
    for (const dep of dependsOn.get(name) ?? []) {
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(name, 'done');
    order.push(name);
    return undefined;
  };
  for (const name of dependsOn.keys()) {
    const cycle = visit(name);
    if (cycle) return { cycle };
  }
  return { order };
}
