// The yaml package, loaded lazily (off the cold-start path). Under Node it is CommonJS, so its API may arrive
// as the module's `default` export when bundled.
import type * as Yaml from 'yaml';

export async function loadYaml(): Promise<typeof Yaml> {
  const mod = (await import('yaml')) as typeof Yaml & { default?: typeof Yaml };
  return typeof mod.parseDocument === 'function' ? mod : mod.default!;
}
