#!/usr/bin/env node
// Development entry: oclif's development mode (no cached manifest, verbose errors) over dist/.
// Rebuild with `npm run build` after changing src/.
import { execute } from '@oclif/core';

await execute({ development: true, dir: import.meta.url });
