// The version users see in messages; bundled from package.json so the two never drift.
import pkg from '../package.json' with { type: 'json' };

export const VERSION: string = pkg.version;
