import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{a,b,c,d,e}from"./chunk-CELZTYZJ.js";import"./chunk-KFZODNE3.js";import"./chunk-67BG23Y2.js";export{c as anonymousAuth,d as basicAuth,e as googleKeyAuth,b as parseChallenge,a as parseChallenges};
