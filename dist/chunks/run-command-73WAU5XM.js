import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{b as a,c as b}from"./chunk-7TPFYS7K.js";import"./chunk-NRMV7DJI.js";import"./chunk-TZN7URKK.js";export{a as PreflightError,b as runCommand};
