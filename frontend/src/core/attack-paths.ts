/**
 * The attack paths the server's graph walk found (`GET /threat-models/{id}/attack-paths/`): each a
 * chain of nodes from an entry point to a crown jewel and the flows between them. Here: their
 * names, the keys to outline on the canvas, and the threats that lie on them.
 */

export interface AttackPath {
  nodes: string[]
  flows: string[]
  cost: number
}

export interface PathThreat {
  id: number
  title: string
  stride: string
  status: string
  element: string | null
  flow: string | null
  likelihood: number | null
  impact: number | null
}

/** "Internet user → Web → Orders DB". */
export function pathName(path: AttackPath, nameOf: (key: string) => string): string {
  return path.nodes.map(nameOf).join(' → ')
}

/** Every element and flow of the path: what the canvas outlines. */
export function pathKeys(path: AttackPath): ReadonlySet<string> {
  return new Set([...path.nodes, ...path.flows])
}

const CLOSED = new Set(['obsolete', 'eliminated', 'not_applicable'])

/** The live threats on the path's elements and flows, the riskiest (then open ones) first. */
export function pathThreats<T extends PathThreat>(path: AttackPath, threats: readonly T[]): T[] {
  const nodes = new Set(path.nodes)
  const flows = new Set(path.flows)
  const score = (t: T) => (t.likelihood ?? 0) * (t.impact ?? 0)
  return threats
    .filter((t) => !CLOSED.has(t.status) && ((t.element !== null && nodes.has(t.element)) || (t.flow !== null && flows.has(t.flow))))
    .sort((a, b) => score(b) - score(a) || Number(b.status === 'open') - Number(a.status === 'open') || a.id - b.id)
}

/** "cheap" paths are the easiest for an attacker: the cost in words for the list. */
export function pathEase(cost: number, hops: number): string {
  const perHop = hops > 0 ? cost / hops : cost
  if (perHop < 1.5) return 'easy'
  if (perHop < 3) return 'moderate'
  return 'hard'
}
