// Shapes of the core objects the stages read (only the fields they use).
import type { KubeObject } from './kube-client.js';

/** A ConfigMap, or a Secret (whose data values are base64). */
export interface ConfigMapLike extends KubeObject {
  data?: Record<string, string>;
}
