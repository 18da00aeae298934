/**
 * The attack paths the server's graph walk found, beside the canvas: pick one to outline its
 * elements and flows on the diagram, and open the threats that lie on it.
 */
import { useEffect, useMemo, useState } from 'react'
import { pathEase, pathKeys, pathName, pathThreats, type AttackPath } from '../core/attack-paths'
import type { EditorThreat } from '../core/threats'
import { roomApi, type AttackPaths } from './roomApi'

/** The riskiest threats shown at first; the rest on request. */
const SHOWN = 10

interface Props {
  modelId: number
  threats: readonly EditorThreat[]
  nameOf: (key: string) => string
  /** The keys to outline (null: none). */
  onHighlight: (keys: ReadonlySet<string> | null) => void
  onOpenThreat: (id: number) => void
  onClose: () => void
}

export function AttackPathsPanel({ modelId, threats, nameOf, onHighlight, onOpenThreat, onClose }: Props) {
  const [data, setData] = useState<AttackPaths | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [chosen, setChosen] = useState<number | null>(null)
  const [all, setAll] = useState(false)

  useEffect(() => {
    let live = true
    roomApi
      .attackPaths(modelId)
      .then((d) => live && setData(d))
      .catch((e: unknown) => live && setError(e instanceof Error ? e.message : 'The attack paths could not be loaded.'))
    return () => {
      live = false
    }
  }, [modelId])
  useEffect(() => () => onHighlight(null), [onHighlight])

  const choose = (index: number | null, path?: AttackPath) => {
    setChosen(index)
    setAll(false)
    onHighlight(index === null || !path ? null : pathKeys(path))
  }
  const current = chosen !== null ? data?.paths[chosen] : undefined
  const onPath = useMemo(() => (current ? pathThreats(current, threats) : []), [current, threats])

  return (
    <aside className="attack-paths" aria-label="Attack paths">
      <div className="attack-paths-head">
        <h2>Attack paths</h2>
        <button type="button" className="small" onClick={onClose} aria-label="Close attack paths">
          Close
        </button>
      </div>
      {error && <p className="field-error">{error}</p>}
      {!data && !error && <p className="muted">Walking the graph…</p>}
      {data && data.paths.length === 0 && (
        <p className="muted">No path from an entry point (something reachable from outside) to a crown jewel (confidential data, credentials).</p>
      )}
      {data && data.paths.length > 0 && (
        <ol className="path-list">
          {data.paths.map((path, index) => (
            <li key={index}>
              <button type="button" className={chosen === index ? 'path is-active' : 'path'} aria-pressed={chosen === index} onClick={() => (chosen === index ? choose(null) : choose(index, path))}>
                <span className="path-name">{pathName(path, nameOf)}</span>
                <span className="muted">
                  {path.nodes.length - 1} hop{path.nodes.length === 2 ? '' : 's'} · {pathEase(path.cost, path.flows.length)} for an attacker
                </span>
              </button>
            </li>
          ))}
        </ol>
      )}
      {current && (
        <div className="path-threats">
          <h3>Threats on this path ({onPath.length})</h3>
          {onPath.length === 0 && <p className="muted">No live threat on these elements and flows.</p>}
          <ul>
            {(all ? onPath : onPath.slice(0, SHOWN)).map((t) => (
              <li key={t.id}>
                <button type="button" className="link" onClick={() => onOpenThreat(t.id)}>
                  {t.title}
                </button>{' '}
                <span className="muted">
                  {nameOf(t.element ?? t.flow ?? '')} · {t.status.replace('_', ' ')}
                  {t.likelihood && t.impact ? ` · risk ${t.likelihood * t.impact}` : ''}
                </span>
              </li>
            ))}
          </ul>
          {!all && onPath.length > SHOWN && (
            <button type="button" className="link" onClick={() => setAll(true)}>
              Show all {onPath.length}
            </button>
          )}
        </div>
      )}
    </aside>
  )
}
