/**
 * The engine's reasons for the opened threat. The document leaves them out (they are most of a
 * threat's bytes and are shown only for the one threat that is open), so a threat that came with
 * the document reads its full record when it is opened; one that came from the threats endpoint
 * already has them.
 */
import { useEffect, useState } from 'react'
import { loadThreat } from '../api/threats'
import type { EditorThreat } from '../core/threats'

export function useThreatReasons(threat: EditorThreat | null): string[] {
  const [fetched, setFetched] = useState<{ id: number; matched: string[] } | null>(null)
  const id = threat?.id ?? null
  const missing = threat !== null && threat.matched === null
  useEffect(() => {
    if (!missing || id === null) return
    let cancelled = false
    loadThreat(id)
      .then((full) => !cancelled && setFetched({ id, matched: full.matched ?? [] }))
      .catch(() => !cancelled && setFetched({ id, matched: [] }))
    return () => {
      cancelled = true
    }
  }, [id, missing])
  if (!threat) return []
  return threat.matched ?? (fetched?.id === threat.id ? fetched.matched : [])
}
