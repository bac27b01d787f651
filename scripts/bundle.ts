// Bundles the action and the CLI (committed in dist/). Heavy clients are split into chunks that load only
// when a stage imports them, so input validation costs about what @actions/core + zod alone cost.
// Run: `npm run build` (node runs this TypeScript file directly). Tests import `bundle` to build a fresh copy.
import { build, type Metafile, type Plugin } from 'esbuild';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * @actions/core imports its OIDC client (and with it @actions/http-client and undici, ~420 KiB) at load time,
 * though only getIDToken uses it. This swaps that import for a shim that loads the real module on first use,
 * so every step that never asks for an ID token starts faster and smaller. Behaviour is unchanged.
 */
export const lazyOidcClient: Plugin = {
  name: 'lazy-actions-oidc-client',
  setup(b) {
    b.onResolve({ filter: /^\.\/oidc-utils\.js$/ }, (args) => {
      if (!/@actions[\\/]core[\\/]lib[\\/]core\.js$/.test(args.importer)) return undefined;
      // A location-independent path keeps dist/ byte-identical wherever the repository is checked out.
      return {
        path: '@actions/core/lib/oidc-utils.js',
        namespace: 'lazy-oidc',
        pluginData: dirname(args.importer),
      };
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-oidc' }, (args) => ({
      resolveDir: args.pluginData as string,
      contents: `export class OidcClient {
  static async getIDToken(audience) {
    const real = await import('./oidc-utils.js');
    return real.OidcClient.getIDToken(audience);
  }
}`,
    }));
  },
};

export async function bundle(outdir = 'dist'): Promise<Metafile> {
  await rm(outdir, { recursive: true, force: true });
  const root = fileURLToPath(new URL('..', import.meta.url));
  const result = await build({
    absWorkingDir: root,
    entryPoints: { main: 'src/main.ts', post: 'src/post.ts', cli: 'src/cli.ts' },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    minify: true,
    chunkNames: 'chunks/[name]-[hash]',
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
    plugins: [lazyOidcClient],
    // Some bundled CommonJS dependencies call require() for Node built-ins.
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
  });
  return result.metafile;
}

// Quiet unless it fails (esbuild reports errors itself); `--sizes` lists every output file and its size.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const meta = await bundle(args.find((a) => !a.startsWith('--')) ?? 'dist');
  if (args.includes('--sizes'))
    for (const [file, o] of Object.entries(meta.outputs))
      console.log(`${file} ${(o.bytes / 1024).toFixed(0)} KiB`);
}
