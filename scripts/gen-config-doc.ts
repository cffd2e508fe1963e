// Writes docs/config.md from the config schema (`npm run docs`).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { configReference } from '../src/config/describe.ts';

const file = path.resolve(import.meta.dirname, '../docs/config.md');
writeFileSync(file, configReference());
console.log(`wrote ${file}`);
