// The mirror decision, pure: what is at the destination tag against what the source digest says.

export type MirrorDecision =
  | { action: 'none'; digest: string }
  | { action: 'copy' }
  | { action: 'retag'; from: string }
  | { action: 'refuse'; problem: string; fix: string };

export interface MirrorObserved {
  /** The digest the tag must name once mirrored (the source digest when the index is copied whole). */
  expected: string;
  /** What the destination tag names now; undefined when absent. */
  current?: string;
}

export function decideMirror(o: MirrorObserved, s: { forceRetag: boolean; target: string }): MirrorDecision {
  if (o.current === undefined) return { action: 'copy' };
  if (o.current === o.expected) return { action: 'none', digest: o.current };
  if (s.forceRetag) return { action: 'retag', from: o.current };
  return {
    action: 'refuse',
    problem: `${s.target} already names ${o.current}, not the source image ${o.expected}: tagging it again would make the version label lie`,
    fix: 'check which image that version really is; set force-retag: true to move the tag to the source image, or choose another litmus-edge-version',
  };
}
