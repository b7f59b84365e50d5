/** The chart templates and the shared look: import from here (one file per template in this folder). */
export * from './theme.ts';
export * from './orgBars.ts';
export * from './ratioBars.ts';
export * from './groupedOrgBars.ts';
export * from './categoryBars.ts';
