/** Picks the source from the configuration: Google when a registry is set, a folder, or the demo. */
import type { Config } from '../config.ts';
import { isoDay } from '../period.ts';
import { createDemoSource } from './demo.ts';
import { createFolderSource } from './folder.ts';
import { createGoogleSource } from './google.ts';
import type { Source } from './types.ts';

export function createSource(config: Config, now: () => Date = () => new Date()): Source {
  switch (config.sourceKind) {
    case 'google':
      return createGoogleSource({
        registryId: config.SHEETS_REGISTRY_ID!,
        apiKey: config.GOOGLE_API_KEY,
        credentialsFile: config.GOOGLE_APPLICATION_CREDENTIALS,
        rootUrl: config.GOOGLE_API_ROOT,
        sheetsReadsPerMinute: config.GOOGLE_SHEETS_RPM,
        drivePerMinute: config.GOOGLE_DRIVE_RPM,
        jwtAccess: config.GOOGLE_SELF_SIGNED_JWT === '1',
        concurrency: config.GOOGLE_CONCURRENCY,
      });
    case 'folder':
      return createFolderSource(config.SOURCE_DIR!);
    case 'demo':
      return createDemoSource({ referenceDate: config.DEMO_DATE ?? isoDay(now()) });
  }
}
