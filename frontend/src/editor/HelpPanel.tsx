/** The keyboard shortcuts, listed where people look for them (press ? or the Help button). */
import { useEffect, useRef } from 'react'

export const SHORTCUTS: [string, string][] = [
  ['Tab / Shift+Tab', 'Move the focus between elements and flows'],
  ['Enter or Space', 'Select the focused element or flow'],
  ['Shift+click, or drag on the canvas', 'Add to the selection / select with a box'],
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
  ['?', 'Show or hide this help'],
]

export function HelpPanel({ onClose }: { onClose: () => void }) {
  const closeRef = useRef<HTMLButtonElement>(null)
  useEffect(() => closeRef.current?.focus(), [])
  return (
    <div className="modal-backdrop" role="presentation" onClick={onClose} onKeyDown={(event) => event.key === 'Escape' && onClose()}>
      <div className="modal help" role="dialog" aria-modal="true" aria-labelledby="help-title" onClick={(event) => event.stopPropagation()}>
        <h2 id="help-title">Keyboard shortcuts</h2>
        <table className="shortcuts">
          <tbody>
            {SHORTCUTS.map(([keys, what]) => (
              <tr key={keys}>
                <th scope="row">
                  <kbd>{keys}</kbd>
                </th>
                <td>{what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="muted small-text">On a Mac, Cmd works wherever Ctrl is listed.</p>
        <div className="modal-actions">
          <button type="button" ref={closeRef} onClick={onClose}>
            Close
          </button>
        </div>
      </div>
    </div>
  )
}
