/**
 * Inverse operations, for undo. Each op is inverted against the state just before it, so a batch
 * that adds a boundary and puts an element in it undoes in the opposite order. Deleting an element
 * also deletes its flows and lifts a boundary's children out, so its inverse restores all three.
 */
import { applyOps, type Op } from './ops'
import type { DiagramState, Element, Flow, PropValue } from './types'

export function invertOps(before: DiagramState, ops: readonly Op[]): Op[] {
  const inverses: Op[][] = []
  let state = before
  for (const op of ops) {
    inverses.push(invertOne(state, op))
    state = applyOps(state, [op]).state
  }
  return inverses.reverse().flat()
}

function invertOne(state: DiagramState, op: Op): Op[] {
  switch (op.op) {
    case 'add_element':
      return [{ op: 'delete_element', key: op.key }]
    case 'add_flow':
      return [{ op: 'delete_flow', key: op.key }]
    case 'delete_flow': {
      const flow = state.flows.get(op.key)
      return flow ? [addFlow(flow)] : []
    }
    case 'delete_element': {
      const element = state.elements.get(op.key)
      if (!element) return []
      const restore: Op[] = [addElement(element)]
      for (const child of state.elements.values()) {
        if (child.parent === op.key) restore.push({ op: 'set_parent', key: child.key, parent: op.key, x: child.x, y: child.y })
      }
      for (const flow of state.flows.values()) {
        if (flow.source === op.key || flow.target === op.key) restore.push(addFlow(flow))
      }
      return restore
    }
    case 'update_element': {
      const element = state.elements.get(op.key)
      if (!element) return []
      const back: Op = { op: 'update_element', key: op.key }
      if (op.name !== undefined) back.name = element.name
      if (op.description !== undefined) back.description = element.description
      if (op.properties !== undefined) back.properties = previous(element.properties, op.properties)
      return [back]
    }
    case 'update_flow': {
      const flow = state.flows.get(op.key)
      if (!flow) return []
      const back: Op = { op: 'update_flow', key: op.key }
      if (op.source !== undefined) back.source = flow.source
      if (op.target !== undefined) back.target = flow.target
      if (op.label !== undefined) back.label = flow.label
      if (op.protocol !== undefined) back.protocol = flow.protocol
      if (op.bidirectional !== undefined) back.bidirectional = flow.bidirectional
      if (op.description !== undefined) back.description = flow.description
      if (op.properties !== undefined) back.properties = previous(flow.properties, op.properties)
      return [back]
    }
    case 'move_element': {
      const element = state.elements.get(op.key)
      if (!element) return []
      const back: Op = { op: 'move_element', key: op.key, x: element.x, y: element.y }
      if (op.width !== undefined) back.width = element.width
      if (op.height !== undefined) back.height = element.height
      return [back]
    }
    case 'set_parent': {
      const element = state.elements.get(op.key)
      if (!element) return []
      return [{ op: 'set_parent', key: op.key, parent: element.parent, x: element.x, y: element.y }]
    }
  }
}

function previous(
  before: Readonly<Record<string, PropValue>>,
  patch: Readonly<Record<string, PropValue | null>>,
): Record<string, PropValue | null> {
  const back: Record<string, PropValue | null> = {}
  for (const name of Object.keys(patch)) back[name] = name in before ? (before[name] as PropValue) : null
  return back
}

export function addElement(element: Element): Op {
  return {
    op: 'add_element',
    key: element.key,
    kind: element.kind,
    name: element.name,
    description: element.description,
    properties: { ...element.properties },
    parent: element.parent,
    x: element.x,
    y: element.y,
    width: element.width,
    height: element.height,
  }
}

export function addFlow(flow: Flow): Op {
  return {
    op: 'add_flow',
    key: flow.key,
    source: flow.source,
    target: flow.target,
    label: flow.label,
    protocol: flow.protocol,
    bidirectional: flow.bidirectional,
    description: flow.description,
    properties: { ...flow.properties },
  }
}
