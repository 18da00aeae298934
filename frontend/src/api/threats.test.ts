import { apiThreat } from '../core/test-threats'
import { loadChangedThreats, loadThreats } from './threats'

/** A fake server for GET /threats/: two pages, the second with an obsolete row. */
function serve(): string[] {
  const asked: string[] = []
  vi.stubGlobal('fetch', async (url: string) => {
    asked.push(url)
    const page = new URL(url, 'http://test').searchParams.get('page')
    const body =
      page === '1'
        ? { count: 3, next: '/api/v1/threats/?page=2', previous: null, results: [apiThreat({ id: 1 }), apiThreat({ id: 2 })] }
        : { count: 3, next: null, previous: null, results: [apiThreat({ id: 3, status: 'obsolete' })] }
    return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } })
  })
  return asked
}

afterEach(() => vi.unstubAllGlobals())

describe('loading threats', () => {
  it('asks for what changed since a model version, every page, keeping obsolete rows for the patch to drop', async () => {
    const asked = serve()
    const rows = await loadChangedThreats(7, 41)
    expect(rows.map((t) => [t.id, t.status])).toEqual([[1, 'open'], [2, 'open'], [3, 'obsolete']])
    expect(asked).toEqual([
      '/api/v1/threats/?threat_model=7&changed_since=41&page_size=500&page=1',
      '/api/v1/threats/?threat_model=7&changed_since=41&page_size=500&page=2',
    ])
  })

  it('loads the whole list without obsolete threats', async () => {
    const asked = serve()
    expect((await loadThreats(7)).map((t) => t.id)).toEqual([1, 2])
    expect(asked[0]).toBe('/api/v1/threats/?threat_model=7&page_size=500&page=1')
  })
})
