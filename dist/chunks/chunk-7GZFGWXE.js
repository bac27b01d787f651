import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
var t=class extends Error{constructor(r,n,s,i){super(`${i}: ${s} (HTTP ${r}${n?` ${n}`:""})`);this.code=r;this.reason=n;this.request=i}code;reason;request;name="KubeApiError"};var c=e=>`${e.kind} ${e.namespace?`${e.namespace}/`:""}${e.name}`;export{t as a,c as b};
