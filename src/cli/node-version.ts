// The CLI checks the Node.js it runs on before loading anything else: its dependencies need a recent Node (the
// Kubernetes client's HTTP stack uses zlib's zstd support), and an older one would end in a stack trace.

/** The lowest version an `engines.node` range such as `>=22.19.0` allows. */
export function minimumOf(range: string): [number, number, number] {
  const m = /^>=\s*v?(\d+)\.(\d+)\.(\d+)$/.exec(range.trim());
  if (!m) throw new Error(`engines.node must be '>=X.Y.Z', got '${range}'`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

function parse(version: string): [number, number, number] {
  const [a = 0, b = 0, c = 0] = version
    .replace(/^v/, '')
    .split('.')
    .map((n) => Number.parseInt(n, 10) || 0);
  return [a, b, c];
}

/** One sentence (found, needed, how to get it) when `running` is older than `range` allows; else undefined. */
export function nodeVersionProblem(running: string, range: string): string | undefined {
  const need = minimumOf(range);
  const have = parse(running);
  for (let k = 0; k < 3; k++) {
    if (have[k]! > need[k]!) return undefined;
    if (have[k]! < need[k]!) {
      return (
        `litmus-aio needs Node.js ${need.join('.')} or newer, but this is Node.js ${have.join('.')}: ` +
        'install a current Node.js LTS (e.g. `nvm install 24`, or actions/setup-node with node-version: 24) and run it again.'
      );
    }
  }
  return undefined;
}
