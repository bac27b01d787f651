// PersistentVolume controller + a simulated dynamic provisioner. A claim without storageClassName gets the default
// StorageClass (the is-default-class annotation; assigned retroactively, as Kubernetes ≥1.28 does); a claim of a
// known class gets a PersistentVolume pvc-<uid> and Bound; an unknown class leaves it Pending with a
// ProvisioningFailed Event (`storageclass.storage.k8s.io "x" not found`). Deleting a claim deletes its volume
// when the class's reclaimPolicy is Delete (the default).
import { nowRfc3339, type KubeObject } from '../types.js';
import { o, R, type Ctx } from './context.js';

const DEFAULT_CLASS = 'storageclass.kubernetes.io/is-default-class';
const PV_CONTROLLER = 'persistentvolume-controller';

export function defaultStorageClass(ctx: Ctx): KubeObject | undefined {
  return ctx.store
    .list(R.storageClasses)
    .filter((sc) => sc.metadata.annotations?.[DEFAULT_CLASS] === 'true')
    .sort((a, b) =>
      String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp)),
    )[0];
}

export function reconcileClaim(ctx: Ctx, namespace: string, name: string): void {
  let pvc = ctx.store.get(R.pvcs, namespace, name);
  if (!pvc || o(pvc.status).phase === 'Bound') return;
  const spec = o(pvc.spec);
  let className = spec.storageClassName;
  if (className === undefined || className === null) {
    const def = defaultStorageClass(ctx);
    if (!def) {
      ctx.record(
        pvc,
        'Normal',
        'FailedBinding',
        'no persistent volumes available for this claim and no storage class is set',
        PV_CONTROLLER,
      );
      return;
    }
    className = def.metadata.name!;
    pvc = ctx.modify(R.pvcs, pvc, (x) => {
      o(x.spec).storageClassName = className;
    });
    if (!pvc) return;
  }
  if (className === '') {
    ctx.record(
      pvc,
      'Normal',
      'FailedBinding',
      'no persistent volumes available for this claim and no storage class is set',
      PV_CONTROLLER,
    );
    return;
  }
  const sc = ctx.store.get(R.storageClasses, undefined, String(className));
  if (!sc) {
    ctx.record(
      pvc,
      'Warning',
      'ProvisioningFailed',
      `storageclass.storage.k8s.io "${String(className)}" not found`,
      PV_CONTROLLER,
    );
    return;
  }
  const provisioner = String(sc.provisioner ?? 'rancher.io/local-path');
  const volumeName = String(o(pvc.spec).volumeName ?? '') || `pvc-${pvc.metadata.uid}`;
  const accessModes = (o(pvc.spec).accessModes as string[] | undefined) ?? ['ReadWriteOnce'];
  const storage = String(o(o(o(pvc.spec).resources).requests).storage ?? '1Gi');
  if (!ctx.store.get(R.pvs, undefined, volumeName)) {
    const pv = ctx.api.create(
      R.pvs,
      undefined,
      {
        metadata: {
          name: volumeName,
          annotations: { 'pv.kubernetes.io/provisioned-by': provisioner },
          finalizers: ['kubernetes.io/pv-protection'],
        },
        spec: {
          capacity: { storage },
          accessModes,
          persistentVolumeReclaimPolicy: String(sc.reclaimPolicy ?? 'Delete'),
          storageClassName: className,
          volumeMode: o(pvc.spec).volumeMode ?? 'Filesystem',
          hostPath: {
            path: `/var/local-path-provisioner/${volumeName}_${namespace}_${name}`,
            type: 'DirectoryOrCreate',
          },
          claimRef: {
            kind: 'PersistentVolumeClaim',
            namespace,
            name,
            uid: pvc.metadata.uid,
            apiVersion: 'v1',
            resourceVersion: pvc.metadata.resourceVersion,
          },
        },
      },
      { manager: provisioner },
    );
    ctx.setStatus(R.pvs, pv, { phase: 'Bound', lastPhaseTransitionTime: nowRfc3339() }, PV_CONTROLLER);
    ctx.record(
      pvc,
      'Normal',
      'ProvisioningSucceeded',
      `Successfully provisioned volume ${volumeName}`,
      `${provisioner}_sandbox-provisioner`,
    );
  }
  pvc = ctx.modify(R.pvcs, pvc, (x) => {
    o(x.spec).volumeName = volumeName;
    x.metadata.annotations = {
      ...x.metadata.annotations,
      'pv.kubernetes.io/bind-completed': 'yes',
      'pv.kubernetes.io/bound-by-controller': 'yes',
      'volume.beta.kubernetes.io/storage-provisioner': provisioner,
      'volume.kubernetes.io/storage-provisioner': provisioner,
    };
  });
  if (!pvc) return;
  ctx.setStatus(R.pvcs, pvc, { phase: 'Bound', accessModes, capacity: { storage } });
}

/** A claim is gone: its dynamically provisioned volume goes with it (reclaimPolicy Delete). */
export function claimDeleted(ctx: Ctx, pvc: KubeObject): void {
  const volumeName = o(pvc.spec).volumeName;
  if (typeof volumeName !== 'string') return;
  const pv = ctx.store.get(R.pvs, undefined, volumeName);
  if (!pv || o(pv.spec).persistentVolumeReclaimPolicy !== 'Delete') return;
  if (o(o(pv.spec).claimRef).uid !== pvc.metadata.uid) return;
  ctx.api.delete(R.pvs, undefined, volumeName, {});
}
