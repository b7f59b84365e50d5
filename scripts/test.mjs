// `npm test`: the TypeScript type check and the whole vitest suite, side by side — the check
// takes one core for ~13 s, mostly while the first test files start their browsers and servers
// (one after the other it added those seconds to a suite near its 5-minute budget). The check's
// output comes after the suite's; the exit code is non-zero when either fails. Arguments go to
// vitest (`npm test -- test/unit`).
import { spawn } from 'node:child_process';

const bin = (name) => new URL(`../node_modules/.bin/${name}`, import.meta.url).pathname;
let typeOutput = '';
const typecheck = spawn(bin('tsc'), ['--noEmit'], { stdio: ['ignore', 'pipe', 'pipe'] });
typecheck.stdout.on('data', (b) => (typeOutput += b));
typecheck.stderr.on('data', (b) => (typeOutput += b));
const typed = new Promise((resolve) => typecheck.on('close', (code) => resolve(code ?? 1)));
const suite = spawn(bin('vitest'), ['run', ...process.argv.slice(2)], { stdio: 'inherit' });
const tested = new Promise((resolve) => suite.on('close', (code) => resolve(code ?? 1)));

const [typeCode, testCode] = await Promise.all([typed, tested]);
if (typeCode !== 0) {
  process.stdout.write(`\nПроверка типов TypeScript (tsc --noEmit) не прошла:\n${typeOutput}`);
} else {
  process.stdout.write('\nПроверка типов TypeScript (tsc --noEmit): ошибок нет.\n');
}
process.exit(typeCode !== 0 ? typeCode : testCode);
