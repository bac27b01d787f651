import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{a as n}from"./chunk-H4N4ILGL.js";var r=5,i=o=>o instanceof n&&o.code===409,c=o=>new Promise(t=>setTimeout(t,(20+Math.random()*60)*2**(o-1)));export{r as a,i as b,c};
