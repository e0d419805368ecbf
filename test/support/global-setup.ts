// Filled in by the database harness: builds the migrated PGlite template once per run.
export default async function setup(): Promise<void> {}
