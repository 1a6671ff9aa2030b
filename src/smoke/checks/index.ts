import type { SmokeCheck } from '../check.js';
import { capabilities } from './capabilities.js';
import { cleanStdout } from './clean-stdout.js';
import { exampleCalls } from './example-calls.js';
import { namesAndSchemas } from './names-and-schemas.js';
import { ping } from './ping.js';
import { role } from './role.js';
import { stop } from './stop.js';
import { surfaceSnapshot } from './surface-snapshot.js';

/**
 * The checks after `start`, in the order they run and are reported: clean stdout comes after the
 * calls so that it covers the whole session, and stop comes last.
 */
export const CHECKS: readonly SmokeCheck[] = [
  capabilities,
  role,
  namesAndSchemas,
  ping,
  exampleCalls,
  surfaceSnapshot,
  cleanStdout,
  stop,
];
