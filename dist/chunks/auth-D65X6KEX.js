import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{c as a,d as b,e as c,f as d,g as e}from"./chunk-DTBSEAVL.js";import"./chunk-67BG23Y2.js";export{c as anonymousAuth,d as basicAuth,e as googleKeyAuth,b as parseChallenge,a as parseChallenges};
