/**
 * Document ⇄ editor state. The document endpoint returns every diagram of the model; the editor
 * holds one diagram's elements and flows by key, plus the keys of the other diagrams (keys are
 * unique across the model, so a new key must avoid them too).
 */
import type { DiagramState, DocumentDiagram, DocumentModel, Element, ExtraFacts, Flow, PropValue } from './types'

export function diagramState(model: DocumentModel, diagramId: number): DiagramState {
  const elements = new Map<string, Element>()
  const flows = new Map<string, Flow>()
  const keysElsewhere = new Set<string>()
  for (const diagram of model.diagrams) {
    if (diagram.id === diagramId) {
      for (const row of diagram.elements) elements.set(row.key, elementFrom(row))
      for (const row of diagram.flows) flows.set(row.key, flowFrom(row))
    } else {
      for (const row of diagram.elements) keysElsewhere.add(row.key)
      for (const row of diagram.flows) keysElsewhere.add(row.key)
    }
  }
  return { elements, flows, keysElsewhere }
}

export function findDiagram(model: DocumentModel, diagramId: number): DocumentDiagram | undefined {
  return model.diagrams.find((diagram) => diagram.id === diagramId)
}

export function elementFrom(row: DocumentDiagram['elements'][number]): Element {
  return {
    key: row.key,
    kind: row.kind,
    name: row.name,
    description: row.description,
    properties: propertiesFrom(row.properties),
    ...extraFrom(row.properties),
    parent: row.parent ?? null,
    x: row.x,
    y: row.y,
    width: row.width ?? null,
    height: row.height ?? null,
  }
}

export function flowFrom(row: DocumentDiagram['flows'][number]): Flow {
  return {
    key: row.key,
    source: row.source,
    target: row.target,
    label: row.label,
    protocol: row.protocol,
    bidirectional: row.bidirectional,
    description: row.description,
    properties: propertiesFrom(row.properties),
    ...extraFrom(row.properties),
  }
}

/** The `extra` map of facts kept from an imported file, when it has any text entries. */
function extraFrom(raw: Record<string, unknown>): { extra?: ExtraFacts } {
  const value = raw['extra']
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {}
  const entries = Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string')
  return entries.length ? { extra: Object.fromEntries(entries) } : {}
}

/** Only booleans and strings are property values; anything else in a document is ignored. */
function propertiesFrom(raw: Record<string, unknown>): Record<string, PropValue> {
  const out: Record<string, PropValue> = {}
  for (const [name, value] of Object.entries(raw)) {
    if (typeof value === 'boolean' || typeof value === 'string') out[name] = value
  }
  return out
}
