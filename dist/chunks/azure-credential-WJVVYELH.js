import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{a,b,c,d}from"./chunk-X4QT6BQK.js";import"./chunk-67BG23Y2.js";export{a as AzureCredentialError,d as createAzureAccess,c as explainAzureError,b as jwtClaims};
