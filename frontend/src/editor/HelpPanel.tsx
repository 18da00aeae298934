/** The keyboard shortcuts, listed where people look for them (press ? or the Help button). */
import { useEffect, useRef } from 'react'
import { SHORTCUTS } from '../core/shortcuts'

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
