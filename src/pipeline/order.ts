// Checks that the stages' `needs` form a graph the engine can run: no cycles, no unknown names.
import type { Stage } from './stage.js';

export function assertRunnable(stages: readonly Stage[], known: ReadonlySet<string>): void {
  const byName = new Map(stages.map((s) => [s.name, s]));
  if (byName.size !== stages.length) throw new Error('Pipeline has two stages with the same name');
  for (const s of stages) {
    for (const n of s.needs) {
      if (!known.has(n)) throw new Error(`Stage '${s.name}' needs '${n}', which is not a stage`);
    }
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting')
      throw new Error(`Stage dependency cycle: ${[...path, name].join(' -> ')}`);
    state.set(name, 'visiting');
    for (const n of byName.get(name)?.needs ?? []) if (byName.has(n)) visit(n, [...path, name]);
    state.set(name, 'done');
  };
  for (const s of stages) visit(s.name, []);
}
