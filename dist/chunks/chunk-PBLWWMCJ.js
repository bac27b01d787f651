import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
var i=/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g,u=t=>t.replace(i,e=>`\\u${e.charCodeAt(0).toString(16).padStart(4,"0")}`);function s(t){return u(`Input '${t.input}' (${t.source}): ${t.problem}. Expected ${t.expected}. Example: ${t.example}`)}var n=class extends Error{problems;constructor(e){let r=e.length===1?"Invalid input":`${e.length} invalid inputs`;super(`${r}:
${e.map(o=>`  - ${s(o)}`).join(`
`)}`),this.name="InputError",this.problems=e}};export{s as a,n as b};
