import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{a,b,c,d,e,f,g,h,i}from"./chunk-S25YEOX5.js";import"./chunk-67BG23Y2.js";export{a as SEVERITY_ICON,g as attachReport,c as byDaysLeft,d as certificateTable,f as certificateText,h as checkCertsReport,e as findingTable,b as markdownCell,i as renderReport};
