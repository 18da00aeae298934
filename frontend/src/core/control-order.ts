/**
 * Which catalogue controls to offer first for a threat: those its rule suggests, then those that
 * counter its STRIDE letter, then the rest — each group in catalogue order.
 */

export interface ControlLike {
  id: string
  stride: string
}

export function orderedControls<C extends ControlLike>(controls: readonly C[], suggested: readonly string[], stride: string): { suggested: C[]; letter: C[]; rest: C[] } {
  const wanted = new Set(suggested)
  return {
    suggested: controls.filter((c) => wanted.has(c.id)),
    letter: controls.filter((c) => !wanted.has(c.id) && c.stride.includes(stride)),
    rest: controls.filter((c) => !wanted.has(c.id) && !c.stride.includes(stride)),
  }
}
