// One test runner for the whole repository. NestJS needs decorator metadata, which esbuild
// does not emit, so TypeScript goes through SWC (unplugin-swc) with legacy decorators + metadata.
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [
    swc.vite({
      module: { type: 'es6' },
      jsc: {
        target: 'es2022',
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
        keepClassNames: true,
      },
    }),
  ],
  resolve: {
    // Tests run against the libraries' sources, so `npm test` needs no build of libs/ first.
    alias: [{ find: /^@isthmus\/([a-z-]+)$/, replacement: `${import.meta.dirname}/libs/$1/src/index.ts` }],
  },
  test: {
    include: ['{libs,services,e2e}/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    globalSetup: ['./libs/testing/src/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration suites each get their own database and stream names, so files may run in
    // parallel; two workers match the two cores of the machines this runs on.
    pool: 'forks',
    maxWorkers: 2,
  },
});
