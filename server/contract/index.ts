export * from './declaration.ts';
export * from './issues.ts';
export * from './normalize.ts';
export * from './values.ts';
export * from './layout.ts';
export * from './schemas.ts';
export * from './limits.ts';
export * from './grid.ts';
