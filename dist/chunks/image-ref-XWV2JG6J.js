import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{a,b,c,d}from"./chunk-AXS74IWE.js";import"./chunk-67BG23Y2.js";export{c as formatImageRef,a as isDigest,b as parseImageRef,d as registryBaseUrl};
