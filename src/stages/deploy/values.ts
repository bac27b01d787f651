// The chart values a release gets, pure: the ones this tool sets from its inputs (the chart's values contract:
// image.repository/tag/digest, imagePullSecrets, service.type, persistence.*), with the user's `values` merged over
// them. The result is passed to helm as one file, so `helm get values` reads back exactly this mapping.
import type { DeployImage } from './image.js';
import type { DeploySettings } from './settings.js';

type Json = Record<string, unknown>;
const isMap = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export function ourValues(s: DeploySettings, image: DeployImage): Json {
  return {
    image: { repository: image.repository, tag: image.tag, digest: image.digest },
    imagePullSecrets: s.pullSecret ? [s.pullSecret] : [],
    service: { type: s.serviceType },
    persistence: { size: s.storageSize, ...(s.storageClass ? { storageClass: s.storageClass } : {}) },
  };
}

/** Mappings merge key by key; anything else in `over` (lists, scalars, null) replaces what `base` has. */
export function mergeValues(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isMap(v) && isMap(out[k]) ? mergeValues(out[k], v) : v;
  return out;
}

export function desiredValues(s: DeploySettings, image: DeployImage): Json {
  return mergeValues(ourValues(s, image), s.userValues);
}

/** The image a values mapping names (repository:tag@digest), for messages; undefined when it names none. */
export function imageOfValues(values: Json | undefined): string | undefined {
  const image = isMap(values?.['image']) ? values['image'] : undefined;
  if (!image || typeof image['repository'] !== 'string') return undefined;
  const tag = typeof image['tag'] === 'string' && image['tag'] ? `:${image['tag']}` : '';
  const digest = typeof image['digest'] === 'string' && image['digest'] ? `@${image['digest']}` : '';
  return `${image['repository']}${tag}${digest}`;
}

/** The digest a values mapping pins, if any. */
export function digestOfValues(values: Json | undefined): string | undefined {
  const image = isMap(values?.['image']) ? values['image'] : undefined;
  return typeof image?.['digest'] === 'string' && image['digest'] ? image['digest'] : undefined;
}
