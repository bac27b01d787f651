// The yaml package, loaded lazily (off the cold-start path). Under Node it is CommonJS, so its API may arrive
// as the module's `default` export when bundled.
// Every YAML the tool reads from a user goes through parseYamlSafely: a low alias budget (an alias bomb is an
// input problem, not a crash), and errors reduced to a code with line and column (never the content, which may
// be a secret).
import type * as Yaml from 'yaml';

export async function loadYaml(): Promise<typeof Yaml> {
  const mod = (await import('yaml')) as typeof Yaml & { default?: typeof Yaml };
  return typeof mod.parseDocument === 'function' ? mod : mod.default!;
}

/** Aliases a document may resolve; a hand-written config needs a few, an "alias bomb" needs thousands. */
export const MAX_YAML_ALIASES = 50;

export type YamlParse = { ok: true; value: unknown } | { ok: false; problem: string; fix: string };

const at = (pos: { line: number; col: number } | undefined): string =>
  pos ? ` at line ${pos.line}, column ${pos.col}` : '';

/**
 * Parses one YAML document. `what` names it in the problem ("'./litmus.yml'", "the value"), `format` what it
 * should be ("YAML", "YAML or JSON"). Duplicate keys are errors. Never throws for bad input.
 */
export async function parseYamlSafely(text: string, what: string, format = 'YAML'): Promise<YamlParse> {
  const yaml = await loadYaml();
  const lineCounter = new yaml.LineCounter();
  let doc: Yaml.Document.Parsed;
  try {
    doc = yaml.parseDocument(text, { uniqueKeys: true, prettyErrors: false, lineCounter });
  } catch (e) {
    return {
      ok: false,
      problem: `${what} could not be read as ${format} (${(e as Error).name})`,
      fix: `valid ${format}`,
    };
  }
  const first = doc.errors[0];
  if (first) {
    return {
      ok: false,
      problem: `${what} is not valid ${format}${at(lineCounter.linePos(first.pos[0]))}: ${first.code}`,
      fix: `valid ${format}`,
    };
  }
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }) as unknown };
  } catch (e) {
    const message = (e as Error).message;
    if (/unresolved alias/i.test(message)) {
      return {
        ok: false,
        problem: `${what} uses an alias (*name) before its anchor (&name)`,
        fix: `valid ${format}`,
      };
    }
    if (/alias count/i.test(message)) {
      let pos: { line: number; col: number } | undefined;
      yaml.visit(doc, {
        Alias(_key, node) {
          if (node.range) pos = lineCounter.linePos(node.range[0]);
          return yaml.visit.BREAK;
        },
      });
      return {
        ok: false,
        problem: `${what} resolves aliases (*name) more than ${MAX_YAML_ALIASES} times${at(pos)}, as an "alias bomb" does`,
        fix: `write the values out instead of nesting aliases (at most ${MAX_YAML_ALIASES} alias uses)`,
      };
    }
    return {
      ok: false,
      problem: `${what} could not be read as ${format} (${(e as Error).name})`,
      fix: `valid ${format}`,
    };
  }
}
