import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{a,b,c,d,e,f,g}from"./chunk-2MBAKRWG.js";import"./chunk-X4QT6BQK.js";import"./chunk-67BG23Y2.js";export{a as AcrError,g as acrImporter,c as acrManagementClient,d as armErrorOf,e as explainAcrFailure,f as importCredentials,b as registryResourceId};
