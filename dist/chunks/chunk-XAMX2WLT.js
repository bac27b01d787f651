import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
var e={debug(){},info(){},warn(){},error(){}};export{e as a};
