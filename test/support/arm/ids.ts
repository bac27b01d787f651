// ARM resource paths: `/subscriptions/{s}/resourceGroups/{rg}/providers/{Namespace}/{type}/{name}[/{type}/{name}...]`
// optionally followed by a collection name (list) or an action (POST). Segment names are case-insensitive.

export interface TypeNamePair {
  type: string;
  name: string;
}

export interface ArmPath {
  subscriptionId: string;
  resourceGroup?: string;
  namespace?: string;
  /** type/name pairs below the namespace. */
  pairs: TypeNamePair[];
  /** A trailing collection type (GET list) or action name (POST). */
  trailing?: string;
}

export function parseArmPath(pathname: string): ArmPath | undefined {
  const segs = pathname
    .split('/')
    .filter((s) => s !== '')
    .map(decodeURIComponent);
  if (segs.length < 2 || segs[0]!.toLowerCase() !== 'subscriptions') return undefined;
  const out: ArmPath = { subscriptionId: segs[1]!, pairs: [] };
  let i = 2;
  if (segs[i]?.toLowerCase() === 'resourcegroups') {
    if (segs[i + 1] === undefined) return undefined;
    out.resourceGroup = segs[i + 1];
    i += 2;
  }
  if (i >= segs.length) return out;
  if (segs[i]!.toLowerCase() !== 'providers' || segs[i + 1] === undefined) return undefined;
  out.namespace = segs[i + 1];
  i += 2;
  while (i < segs.length) {
    const type = segs[i]!;
    const name = segs[i + 1];
    if (name === undefined) {
      out.trailing = type;
      break;
    }
    out.pairs.push({ type, name });
    i += 2;
  }
  return out;
}

export function resourceGroupId(subscriptionId: string, resourceGroup: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}`;
}

export function resourceIdOf(
  subscriptionId: string,
  resourceGroup: string,
  namespace: string,
  pairs: TypeNamePair[],
): string {
  return `${resourceGroupId(subscriptionId, resourceGroup)}/providers/${namespace}/${pairs
    .map((p) => `${p.type}/${p.name}`)
    .join('/')}`;
}

/** `Microsoft.IoTOperations/instances/brokers/listeners` */
export function fullType(namespace: string, types: string[]): string {
  return `${namespace}/${types.join('/')}`;
}

export const lower = (s: string) => s.toLowerCase();
