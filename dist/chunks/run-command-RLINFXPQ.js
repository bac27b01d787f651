import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{a,c as b}from"./chunk-P522KWPD.js";import"./chunk-7TSMFWQJ.js";import"./chunk-6FLPJAAR.js";import"./chunk-PBLWWMCJ.js";import"./chunk-2EKG3L6I.js";import"./chunk-MGAYWJSF.js";import"./chunk-67BG23Y2.js";export{a as PreflightError,b as runCommand};
