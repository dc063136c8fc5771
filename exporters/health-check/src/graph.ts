/**
 * Orders services so that every dependency comes before its dependents, and names every cycle (each once,
 * from the service the walk met first). Health is evaluated in this order, so a dependent always sees its
 * dependencies' final status. Iterative: a chain of thousands of services is a chain, not a stack overflow.
 */
export function dependencyOrder(dependsOn: ReadonlyMap<string, readonly string[]>): {
  order: string[];
  cycles: string[][];
} {
  const order: string[] = [];
  const cycles: string[][] = [];
  const seen = new Set<string>();
  const state = new Map<string, 'visiting' | 'done'>();
  for (const root of dependsOn.keys()) {
    if (state.has(root)) continue;
    // The walk's path, each with the index of the next dependency to look at.
    const path: { name: string; next: number }[] = [{ name: root, next: 0 }];
    state.set(root, 'visiting');
    while (path.length > 0) {
      const top = path[path.length - 1] as { name: string; next: number };
      const deps = dependsOn.get(top.name) ?? [];
      if (top.next < deps.length) {
        const dep = deps[top.next++] as string;
        if (state.get(dep) === 'visiting') {
          const cycle = [...path.slice(path.findIndex((p) => p.name === dep)).map((p) => p.name), dep];
          // The same cycle met again from another of its services is named once.
          const key = [...cycle.slice(0, -1)].sort().join('\u0000');
          if (!seen.has(key)) cycles.push(cycle);
          seen.add(key);
        } else if (!state.has(dep)) {
          state.set(dep, 'visiting');
          path.push({ name: dep, next: 0 });
        }
        continue;
      }
      path.pop();
      state.set(top.name, 'done');
      order.push(top.name);
    }
  }
  return { order, cycles };
}
