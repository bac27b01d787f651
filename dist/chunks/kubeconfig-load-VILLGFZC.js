import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{a,b}from"./chunk-VGXNTOEA.js";import"./chunk-2LU4U7PK.js";import"./chunk-ZQDXOP5V.js";import"./chunk-BHGUQDOQ.js";import"./chunk-CJAYDDMR.js";import"./chunk-XGZQEITP.js";import"./chunk-67BG23Y2.js";export{a as kubeconfigName,b as loadKubeconfig};
