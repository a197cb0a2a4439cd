/**
 * `@argus/driver-kit/conformance`: the driver conformance suite. A driver package runs it in three lines against its
 * family's emulator (Vitest is an optional peer dependency, needed only here).
 *
 * @packageDocumentation
 */
export { describeConformance } from './describe-conformance.js';
export type { ConformanceTarget } from './conformance-context.js';
