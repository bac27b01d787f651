// The fixed vocabulary of the tool: commands and stages, with the order and dependencies the pipeline uses.
// Pure data, imported by input validation and by the engine alike (no logic here, so no cycles).

export const COMMANDS = ['run', 'plan', 'check-certs', 'upgrade'] as const;
export type Command = (typeof COMMANDS)[number];

export const STAGE_NAMES = ['mirror', 'deploy', 'certs', 'authpolicy', 'connector', 'smoke'] as const;
export type StageName = (typeof STAGE_NAMES)[number];

/** What a stage reaches, so a preflight can check reachability before anything changes. */
export type Requirement = 'cluster' | 'azure';

export interface StageInfo {
  name: StageName;
  /** Stages that must finish first when both are selected. */
  needs: readonly StageName[];
  requires: readonly Requirement[];
  summary: string;
}

export const STAGE_CATALOG: Readonly<Record<StageName, StageInfo>> = {
  mirror: {
    name: 'mirror',
    needs: [],
    // azure in acr mode, the cluster for the pull Secret: see needsAzure/needsCluster in engine/preflight.ts
    requires: ['azure', 'cluster'],
    summary: 'copy the Litmus Edge image into your registry under a version tag, pinned by digest',
  },
  deploy: {
    name: 'deploy',
    needs: ['mirror'],
    requires: ['cluster'],
    summary:
      'namespace, pull secret and helm upgrade --install of the Litmus Edge chart; wait, diagnose, roll back',
  },
  certs: {
    name: 'certs',
    needs: [],
    requires: ['cluster'],
    summary: 'root CA -> intermediate CA -> client leaf, kept in the cluster; root published for the broker',
  },
  authpolicy: {
    name: 'authpolicy',
    needs: ['certs'],
    requires: ['cluster', 'azure'],
    summary: 'BrokerAuthentication (X.509) and a TLS port on the default listener that uses it',
  },
  connector: {
    name: 'connector',
    needs: ['deploy', 'certs', 'authpolicy'],
    requires: ['cluster'],
    summary: 'the Litmus Edge "MQTT - Generic over SSL" integration pointed at the broker',
  },
  smoke: {
    name: 'smoke',
    needs: ['certs', 'authpolicy', 'connector'],
    requires: ['cluster'],
    summary: 'connect to the broker with the client certificate, publish/subscribe a probe, report latency',
  },
};
