export { ACR_ENTRA_AUDIENCES } from './entra-token.js';
export type { EntraRefusal } from './entra-token.js';
export { startAcrDataPlane } from './server.js';
export type { AcrDataPlane, AcrDataPlaneOptions } from './server.js';
export { acrErrorBody, NULL_GUID_USER } from './token-service.js';
export type { AcrRequestRecord } from './token-service.js';
export { ACR_ISSUER } from './tokens.js';
export type { AcrRole } from './tokens.js';
