import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
function i(e){return`Input '${e.input}' (${e.source}): ${e.problem}. Expected ${e.expected}. Example: ${e.example}`}var t=class extends Error{problems;constructor(n){let r=n.length===1?"Invalid input":`${n.length} invalid inputs`;super(`${r}:
${n.map(o=>`  - ${i(o)}`).join(`
`)}`),this.name="InputError",this.problems=n}};export{i as a,t as b};
