import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{b as a,c as b}from"./chunk-WJKENQUL.js";import"./chunk-ANIHCKXL.js";import"./chunk-NRMV7DJI.js";import"./chunk-67BG23Y2.js";export{a as PreflightError,b as runCommand};
