/** The backend HTTP API of PROTOCOL.md §8, one contract for the backend, the register and the wallet. */
import { customerApi, devApi } from './customerApi.js';
import type { ApiRoute } from './route.js';
import { terminalApi } from './terminalApi.js';

export * from './route.js';
export * from './terminalApi.js';
export * from './customerApi.js';

/** Every route of the contract; the backend serves exactly these plus its admin, dev and operations routes. */
export const API_ROUTES: readonly ApiRoute[] = [...Object.values(terminalApi), ...Object.values(customerApi), ...Object.values(devApi)];
