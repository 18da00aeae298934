/**
 * Keyboard shortcuts as data: which key means which command. The workspace dispatches commands;
 * this table is what the help panel lists and what Vitest checks, so the two cannot drift apart.
 */
export type Command =
  | 'undo'
  | 'redo'
  | 'copy'
  | 'paste'
  | 'duplicate'
  | 'selectAll'
  | 'delete'
  | 'clear'
  | 'help'
  | 'fit'
  | 'zoomIn'
  | 'zoomOut'
  | 'toggleSnap'
  | 'togglePresent'
  | 'addEntity'
  | 'addProcess'
  | 'addStore'
  | 'addBoundary'

export interface KeyPress {
  key: string
  ctrlKey: boolean
  metaKey: boolean
  shiftKey: boolean
}

const WITH_MOD: Record<string, Command> = { z: 'undo', y: 'redo', c: 'copy', v: 'paste', d: 'duplicate', a: 'selectAll' }
const PLAIN: Record<string, Command> = {
  Delete: 'delete',
  Backspace: 'delete',
  Escape: 'clear',
  '?': 'help',
  f: 'fit',
  F: 'fit',
  '+': 'zoomIn',
  '=': 'zoomIn',
  '-': 'zoomOut',
  g: 'toggleSnap',
  G: 'toggleSnap',
  p: 'togglePresent',
  P: 'togglePresent',
  '1': 'addEntity',
  '2': 'addProcess',
  '3': 'addStore',
  '4': 'addBoundary',
}

/** The command a key press asks for, or null. Ctrl and Cmd are the same modifier. */
export function commandFor(press: KeyPress): Command | null {
  if (press.ctrlKey || press.metaKey) {
    const command = WITH_MOD[press.key.toLowerCase()]
    if (command === 'undo' && press.shiftKey) return 'redo'
    return command ?? null
  }
  return PLAIN[press.key] ?? null
}

/** What the help panel lists, in reading order. */
export const SHORTCUTS: [string, string][] = [
  ['Tab / Shift+Tab', 'Move the focus between elements and flows'],
  ['Enter or Space', 'Select the focused element or flow'],
  ['Shift+click, or drag on the canvas', 'Add to the selection / select with a box'],
  ['Alt+drag', 'Select with a box that starts over a boundary (a plain drag moves the boundary)'],
  ['Ctrl+A', 'Select everything on the diagram'],
  ['Escape', 'Clear the selection and the threat highlight'],
  ['F2, or double-click', 'Rename the selected element, or label the selected flow, in place'],
  ['Arrow keys', 'Move the selected elements (snaps to the grid)'],
  ['Delete or Backspace', 'Delete the selection (flows of deleted elements go too)'],
  ['Ctrl+Z / Ctrl+Shift+Z or Ctrl+Y', 'Undo / redo your own edits'],
  ['Ctrl+C / Ctrl+V / Ctrl+D', 'Copy / paste / duplicate'],
  ['1 2 3 4', 'Add an external entity, process, data store or trust boundary'],
  ['F', 'Fit the diagram to the window'],
  ['+ / -', 'Zoom in / out'],
  ['Space+drag, scroll', 'Pan the canvas'],
  ['G', 'Snap to grid on or off'],
  ['P', 'Presentation scale on or off: canvas text at least 16 px on screen, at any zoom'],
  ['?', 'Show or hide this help'],
]
