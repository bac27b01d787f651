import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{a,b}from"./chunk-P2MSLLXS.js";import"./chunk-CNYOBTSG.js";import"./chunk-67BG23Y2.js";export{a as KubeconfigError,b as checkKubeconfig};
