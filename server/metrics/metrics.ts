/**
 * The metrics on the server, one import: the registry (registry.ts), their parameters
 * (parameters.ts), running them (run.ts) and the composite overview (overview.ts).
 */
export * from './registry.ts';
export * from './parameters.ts';
export * from './run.ts';
