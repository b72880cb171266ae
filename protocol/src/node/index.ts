/** Node-only adapters of @tegata/protocol. */
export { createNodeEd25519, nodeEd25519 } from './ed25519Node.js';
