/** Node-only adapters of @tegata/protocol; importing this installs node:crypto's SHA-256. */
import { createHash } from 'node:crypto';
import { useSha256Implementation } from '../sha256.js';

useSha256Implementation((data) => new Uint8Array(createHash('sha256').update(data).digest()), 'node:crypto');

export { createNodeEd25519, nodeEd25519 } from './ed25519Node.js';
