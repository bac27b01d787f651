import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{a,b}from"./chunk-BPOFZ6FX.js";import"./chunk-P2MSLLXS.js";import"./chunk-CNYOBTSG.js";import"./chunk-5SP6G4T2.js";import"./chunk-A3ATWX74.js";import"./chunk-XT2ZZLF2.js";import"./chunk-67BG23Y2.js";export{a as kubeconfigName,b as loadKubeconfig};
