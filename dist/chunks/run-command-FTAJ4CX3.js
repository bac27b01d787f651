import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{a,c as b}from"./chunk-F6P7WOHH.js";import"./chunk-QUHWO35I.js";import"./chunk-2EKG3L6I.js";import"./chunk-67BG23Y2.js";export{a as PreflightError,b as runCommand};
