// Request and response validation against the official OpenAPI specs with Azure's own validator, oav's
// LiveValidator. One validator per specs folder per process: initialising reads and compiles every spec (about a
// second), so the promise is cached. oav is imported lazily so nothing pays for it until a stand-in starts.
import type * as Oav from 'oav';
import type { LiveValidationIssue, LiveValidator } from 'oav';
import { withSpecDefaults } from './defaults.js';
import { enumIssues } from './enums.js';
import { SpecIndex } from './spec-index.js';
import { resolveSpecsDir } from './specs.js';

export interface SpecIssue {
  /** oav's code (OBJECT_MISSING_REQUIRED_PROPERTY, INVALID_TYPE, ENUM_MISMATCH, ...). */
  code: string;
  message: string;
  /** Where in the payload, e.g. `properties.ports[1].port` (empty for the body as a whole). */
  path: string;
}

export interface RequestValidation {
  operationId?: string;
  apiVersion?: string;
  /** Problems the service rejects. */
  issues: SpecIssue[];
  /** Problems ARM tolerates (read-only properties in a PUT body are ignored, as ARM's RPC prescribes). */
  ignored: SpecIssue[];
  /** Set when oav knows no operation for this URL/method/api-version. */
  unknownOperation?: string;
}

export interface LiveHttp {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: unknown;
}

export interface SpecValidator {
  readonly specsDir: string;
  /** Milliseconds that `initialize()` took. */
  readonly initMs: number;
  /** The spec files oav loaded. */
  readonly swaggerFiles: string[];
  /** The same specs as plain JSON: operations, their examples, body schemas. */
  readonly index: SpecIndex;
  /** The body as the service stores it: the schema's defaults filled in (see defaults.ts). */
  withDefaults(apiVersion: string, operationId: string, body: unknown): unknown;
  validateRequest(req: LiveHttp): Promise<RequestValidation>;
  validateResponse(
    req: { url: string; method: string },
    res: { status: number; headers: Record<string, string>; body?: unknown },
  ): Promise<SpecIssue[]>;
}

/** Issue codes that ARM does not reject in a request. */
const TOLERATED_REQUEST_CODES = new Set(['READONLY_PROPERTY_NOT_ALLOWED_IN_REQUEST']);

const cache = new Map<string, Promise<SpecValidator>>();

/** The validator for a specs folder (default: see specs.ts), created once per process. */
export function loadSpecValidator(specsDir?: string): Promise<SpecValidator> {
  const dir = resolveSpecsDir(specsDir); // throws, naming the path, before anything is cached
  let p = cache.get(dir);
  if (!p) {
    p = createSpecValidator(dir);
    p.catch(() => cache.delete(dir));
    cache.set(dir, p);
  }
  return p;
}

async function createSpecValidator(specsDir: string): Promise<SpecValidator> {
  // oav is CommonJS: depending on the loader its exports arrive as named exports or under `default`.
  const oav = (await import('oav')) as typeof Oav & { default?: typeof Oav };
  const Live = oav.LiveValidator ?? oav.default?.LiveValidator;
  if (!Live) throw new Error('oav does not export LiveValidator');
  const started = Date.now();
  const live: LiveValidator = new Live(
    {
      directory: specsDir,
      swaggerPathsPattern: ['specification/**/stable/**/*.json'],
      // Absolute: oav hands these to glob as `ignore`, which resolves relative patterns against process.cwd(), so
      // `**/examples/**` alone stops excluding anything when the specs folder sits outside the working directory.
      excludedSwaggerPathsPattern: ['**/examples/**', '**/common-types/**'].map((p) => `${specsDir}/${p}`),
      git: { shouldClone: false },
    },
    () => {}, // oav logs runtime exceptions to the console otherwise; they are returned to us anyway
  );
  await live.initialize();
  const initMs = Date.now() - started;
  if (live.swaggerList.length === 0) {
    throw new Error(`ARM stand-in: oav found no specs under ${specsDir}/specification/**/stable`);
  }
  const index = new SpecIndex(specsDir);

  return {
    specsDir,
    initMs,
    swaggerFiles: [...live.swaggerList],
    index,
    withDefaults: (apiVersion, operationId, body) => withSpecDefaults(index, apiVersion, operationId, body),
    async validateRequest(req) {
      const result = await live.validateLiveRequest({
        url: req.url,
        method: req.method,
        headers: req.headers,
        body: req.body as Record<string, unknown> | undefined,
      });
      const { operationId, apiVersion } = result.operationInfo ?? {};
      if (result.runtimeException) {
        return { issues: [], ignored: [], unknownOperation: result.runtimeException.message };
      }
      const all = result.errors.map(toIssue);
      const issues = all.filter((i) => !TOLERATED_REQUEST_CODES.has(i.code));
      const ignored = all.filter((i) => TOLERATED_REQUEST_CODES.has(i.code));
      if (operationId && apiVersion) {
        for (const e of enumIssues(index, apiVersion, operationId, req.body)) {
          issues.push({
            code: 'ENUM_MISMATCH',
            message: `No enum match for: ${e.value}; allowed values: ${e.allowed.join(', ')}`,
            path: e.path,
          });
        }
      }
      return { operationId, apiVersion, issues, ignored };
    },
    async validateResponse(req, res) {
      const result = await live.validateLiveResponse(
        {
          statusCode: String(res.status),
          headers: res.headers,
          body: res.body as Record<string, unknown> | undefined,
        },
        { url: req.url, method: req.method },
      );
      if (result.runtimeException) {
        return [
          { code: String(result.runtimeException.code), message: result.runtimeException.message, path: '' },
        ];
      }
      return result.errors.map(toIssue);
    },
  };
}

function toIssue(e: LiveValidationIssue): SpecIssue {
  const raw = e.jsonPathsInPayload?.[0] ?? '';
  const path = raw.replace(/^\$\.?/, '');
  return { code: String(e.code), message: e.message, path };
}
