// Fails when src/api/schema.d.ts is not what openapi-typescript makes of the server's current
// OpenAPI schema, so the browser app's API types can never drift from the server.
// Usage: node scripts/check-api-types.mjs [path/to/openapi.yml]   (default ../var/openapi.yml)
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const schema = process.argv[2] ?? '../var/openapi.yml'
const dir = mkdtempSync(join(tmpdir(), 'api-types-'))
try {
  const fresh = join(dir, 'schema.d.ts')
  execFileSync('node_modules/.bin/openapi-typescript', [schema, '-o', fresh], { stdio: 'pipe' })
  if (readFileSync(fresh, 'utf8') !== readFileSync('src/api/schema.d.ts', 'utf8')) {
    console.error('src/api/schema.d.ts is out of date with the server schema. Run: npm run api:types')
    process.exit(1)
  }
  console.log('API types match the server schema.')
} finally {
  rmSync(dir, { recursive: true, force: true })
}
