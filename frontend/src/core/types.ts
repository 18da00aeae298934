/**
 * The diagram as the editor holds it: plain, immutable records keyed by their stable keys.
 *
 * Shapes follow the server's document (generated from the OpenAPI schema) so that mapping is a
 * copy, not a translation. Maps are replaced, never mutated, so React can compare by identity.
 */
import type { components } from '../api/schema'

export type DocumentModel = components['schemas']['Document']
export type DocumentDiagram = components['schemas']['DocumentDiagram']
export type DocumentElement = components['schemas']['DocumentElement']
export type DocumentFlow = components['schemas']['DocumentFlow']
export type DocumentThreats = components['schemas']['DocumentThreats']
export type Vocabulary = components['schemas']['Vocabulary']
export type VocabularyProperty = components['schemas']['VocabularyProperty']

export type ElementKind = DocumentElement['kind']
export const ELEMENT_KINDS: readonly ElementKind[] = ['external_entity', 'process', 'data_store', 'trust_boundary']

/** A property value: true/false, an enum value or text, or the explicit "unknown". */
export type PropValue = boolean | string
export type Properties = Readonly<Record<string, PropValue>>
/** Facts an imported file recorded that have no property of their own (the vocabulary's `extra` map), by the tool's name. */
export type ExtraFacts = Readonly<Record<string, string>>

export interface Element {
  readonly key: string
  readonly kind: ElementKind
  readonly name: string
  readonly description: string
  readonly properties: Properties
  /** Read-only here: shown, exported, never edited in the panel (absent when there are none). */
  readonly extra?: ExtraFacts
  /** Key of the enclosing trust boundary; geometry is relative to it. */
  readonly parent: string | null
  readonly x: number
  readonly y: number
  readonly width: number | null
  readonly height: number | null
}

export interface Flow {
  readonly key: string
  readonly source: string
  readonly target: string
  readonly label: string
  readonly protocol: string
  readonly bidirectional: boolean
  readonly description: string
  readonly properties: Properties
  readonly extra?: ExtraFacts
}

export interface DiagramState {
  readonly elements: ReadonlyMap<string, Element>
  readonly flows: ReadonlyMap<string, Flow>
  /** Keys used by the model's other diagrams: keys are unique across the whole model. */
  readonly keysElsewhere: ReadonlySet<string>
}

export const emptyState = (): DiagramState => ({ elements: new Map(), flows: new Map(), keysElsewhere: new Set() })

export function isBoundary(element: Element | undefined): boolean {
  return element?.kind === 'trust_boundary'
}
