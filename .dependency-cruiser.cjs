// The cycle check of `npm run lint` (docs/architecture.md, "Rules the layout keeps"): no runtime import cycles.
// Type-only imports (`import type`) vanish when the TypeScript is stripped, so they are left out.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-runtime-cycle',
      severity: 'error',
      comment: 'A module must not reach itself again through runtime imports.',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|data|drizzle|test-artifacts|coverage)/' },
    tsPreCompilationDeps: false,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};
