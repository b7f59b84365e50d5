/** `npm run docs`: writes docs/contract.md and docs/for-schools.md from the contract declaration, docs/metrics.md from the metric declarations. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { contractMarkdown } from '../contract/docs.ts';
import { schoolDocsMarkdown } from '../contract/schoolDocs.ts';
import { metricsMarkdown } from '../metrics/docs.ts';

for (const [name, text] of [
  ['contract.md', contractMarkdown()],
  ['for-schools.md', schoolDocsMarkdown()],
  ['metrics.md', metricsMarkdown()],
] as const) {
  const target = new URL(`../../docs/${name}`, import.meta.url);
  mkdirSync(new URL('.', target), { recursive: true });
  writeFileSync(target, text);
  console.log(`Записано: ${target.pathname}`);
}
