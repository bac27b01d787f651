import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
var i=class extends Error{constructor(r,t){super(`${r}. Fix: ${t}`);this.problem=r;this.fix=t}problem;fix;name="HelmError"};function o(e){let s=e.stderr.split(`
`).map(n=>n.trim()).filter(Boolean),r=s.filter(n=>n.startsWith("Error:"));return(r.length>0?r:s).slice(-3).join(" / ")||`helm exited with ${e.signal?`signal ${e.signal}`:`code ${String(e.code)}`}`}export{i as a,o as b};
