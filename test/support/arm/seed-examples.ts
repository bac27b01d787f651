// Seeded resources start from the official examples' GET answers (test/contracts/azure/.../examples), so a GET of the
// stand-in's world is as rich as Azure's (a broker's `advanced`/`diagnostics`, an instance's `features`/`identity`, a
// registry's `policies`, a cluster's `aadProfile`), then the seed's names, ids and the facts our tests rely on are
// laid over them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

type Json = Record<string, unknown>;

const IOTOPS =
  'iotoperations/resource-manager/Microsoft.IoTOperations/IoTOperations/stable/2025-10-01/examples';
const ACR =
  'containerregistry/resource-manager/Microsoft.ContainerRegistry/Registry/stable/2025-11-01/examples';
const K8S =
  'hybridkubernetes/resource-manager/Microsoft.Kubernetes/HybridKubernetes/stable/2024-01-01/examples';
const CL =
  'extendedlocation/resource-manager/Microsoft.ExtendedLocation/CustomLocations/stable/2021-08-15/examples';

/** The example each seeded resource starts from (relative to <specsDir>/specification). */
export const SEED_EXAMPLES = {
  instance: `${IOTOPS}/Instance_Get_MaximumSet_Gen.json`,
  broker: `${IOTOPS}/Broker_Get_MaximumSet_Gen.json`,
  registry: `${ACR}/RegistryGet.json`,
  cluster: `${K8S}/GetProvisionedClusterExample.json`,
  customLocation: `${CL}/CustomLocationsGet.json`,
  enabledResourceTypes: `${CL}/CustomLocationsListEnabledResourceTypes.json`,
} as const;

/** The 200 answer of an example file: a resource, or for a list its first item. */
export function exampleAnswer(specsDir: string, relativePath: string): Json {
  const file = join(specsDir, 'specification', relativePath);
  let doc: { responses?: Record<string, { body?: unknown }> };
  try {
    doc = JSON.parse(readFileSync(file, 'utf8')) as typeof doc;
  } catch (e) {
    throw new Error(
      `ARM stand-in seed: cannot read the official example ${file} (${(e as Error).message}); the vendored specs ` +
        'in test/contracts/azure hold it (npm run specs:check verifies them).',
      { cause: e },
    );
  }
  const body = doc.responses?.['200']?.body as Json | undefined;
  const item = Array.isArray(body?.value) ? (body.value[0] as Json | undefined) : body;
  if (!item) throw new Error(`ARM stand-in seed: the official example ${file} has no 200 answer with a body`);
  return structuredClone(item);
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `overlay` laid over `base`: objects merge key by key, anything else replaces; an `undefined` in the overlay removes
 * the key (for example fields that make no sense in the seeded world).
 */
export function overlay(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) delete out[k];
    else if (isObject(v) && isObject(out[k])) out[k] = overlay(out[k] as Json, v);
    else out[k] = structuredClone(v);
  }
  return out;
}
