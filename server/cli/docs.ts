/** `npm run docs`: writes docs/contract.md from the contract declaration. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { contractMarkdown } from '../contract/docs.ts';

const target = new URL('../../docs/contract.md', import.meta.url);
mkdirSync(new URL('.', target), { recursive: true });
writeFileSync(target, contractMarkdown());
console.log(`Записано: ${target.pathname}`);
