// The supervisor's own helper: a port free on 127.0.0.1 a moment ago.
export { freePort } from '../../src/supervisor/ports.js';
