import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
var n=class extends Error{constructor(t,r,s,i){super(`${i}: ${s} (HTTP ${t}${r?` ${r}`:""})`);this.code=t;this.reason=r;this.request=i}code;reason;request;name="KubeApiError"};var c=e=>`${e.kind} ${e.namespace?`${e.namespace}/`:""}${e.name}`;export{n as a,c as b};
