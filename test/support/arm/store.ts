// The stand-in's state: subscriptions, resource groups, resources (full ARM JSON, keyed by case-insensitive id) and
// the container registries' content (repo:tag → digest).

export type ArmResource = Record<string, unknown> & {
  id: string;
  name: string;
  type: string;
  properties?: Record<string, unknown>;
};

export interface SubscriptionRecord {
  subscriptionId: string;
  tenantId: string;
}

export interface ResourceGroupRecord {
  subscriptionId: string;
  name: string;
  location: string;
}

export class ArmStore {
  private readonly subscriptions = new Map<string, SubscriptionRecord>();
  private readonly groups = new Map<string, ResourceGroupRecord>();
  private readonly resources = new Map<string, ArmResource>();
  /** Resource id (lower) → id of the async operation that is still running on it. */
  private readonly busy = new Map<string, string>();
  /** Registry resource id (lower) → `repo:tag` → digest. */
  private readonly content = new Map<string, Map<string, string>>();

  addSubscription(s: SubscriptionRecord): void {
    this.subscriptions.set(s.subscriptionId.toLowerCase(), s);
  }
  subscription(id: string): SubscriptionRecord | undefined {
    return this.subscriptions.get(id.toLowerCase());
  }

  addResourceGroup(g: ResourceGroupRecord): void {
    this.groups.set(`${g.subscriptionId}/${g.name}`.toLowerCase(), g);
  }
  resourceGroup(subscriptionId: string, name: string): ResourceGroupRecord | undefined {
    return this.groups.get(`${subscriptionId}/${name}`.toLowerCase());
  }

  get(id: string): ArmResource | undefined {
    const r = this.resources.get(id.toLowerCase());
    return r ? structuredClone(r) : undefined;
  }
  put(resource: ArmResource): void {
    this.resources.set(resource.id.toLowerCase(), structuredClone(resource));
  }
  delete(id: string): boolean {
    return this.resources.delete(id.toLowerCase());
  }
  /** Direct children of `parentId` of one type, e.g. (brokerId, 'listeners'). */
  children(parentId: string, type: string): ArmResource[] {
    const prefix = `${parentId}/${type}/`.toLowerCase();
    return [...this.resources.entries()]
      .filter(([k]) => k.startsWith(prefix) && !k.slice(prefix.length).includes('/'))
      .map(([, r]) => structuredClone(r));
  }
  /** Every resource of a full type (`Microsoft.IoTOperations/instances/brokers/listeners`). */
  ofType(type: string): ArmResource[] {
    return [...this.resources.values()].filter((r) => r.type.toLowerCase() === type.toLowerCase());
  }

  busyWith(id: string): string | undefined {
    return this.busy.get(id.toLowerCase());
  }
  setBusy(id: string, operationId: string | undefined): void {
    if (operationId) this.busy.set(id.toLowerCase(), operationId);
    else this.busy.delete(id.toLowerCase());
  }

  registryContent(registryId: string): Map<string, string> {
    const key = registryId.toLowerCase();
    let m = this.content.get(key);
    if (!m) {
      m = new Map();
      this.content.set(key, m);
    }
    return m;
  }
}
