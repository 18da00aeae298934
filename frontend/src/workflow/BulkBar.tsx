/**
 * The bar that acts on selected threats (the threat list's and the grid's): "Select all N", and once
 * some are picked Keep, Rate…, Mitigate…, Accept…, each handed to the one bulk dialog
 * (`BulkDialog`, opened by the workspace).
 */
import type { BulkKind } from '../core/bulk'
import type { EditorThreat } from '../core/threats'

interface Props {
  /** Every threat the view shows (what "Select all" picks). */
  shown: readonly EditorThreat[]
  picked: EditorThreat[]
  onPick: (ids: ReadonlySet<number>) => void
  onBulk: (kind: BulkKind, threats: EditorThreat[]) => void
}

const ACTIONS: [BulkKind, string][] = [
  ['keep', 'Keep'],
  ['rate', 'Rate…'],
  ['mitigate', 'Mitigate…'],
  ['accept', 'Accept…'],
]

export function BulkBar({ shown, picked, onPick, onBulk }: Props) {
  const allPicked = shown.length > 0 && picked.length === shown.length
  return (
    <div className="bulk-bar" role="group" aria-label="Act on selected threats">
      <label className="check-line">
        <input
          type="checkbox"
          checked={allPicked}
          ref={(box) => {
            if (box) box.indeterminate = picked.length > 0 && !allPicked
          }}
          onChange={(event) => onPick(event.target.checked ? new Set(shown.map((t) => t.id)) : new Set())}
        />{' '}
        Select all {shown.length}
      </label>
      {picked.length > 0 && (
        <span className="bulk-actions">
          <span className="muted">{picked.length} selected:</span>
          {ACTIONS.map(([kind, label]) => (
            <button key={kind} type="button" className="small" onClick={() => onBulk(kind, picked)}>
              {label}
            </button>
          ))}
        </span>
      )}
    </div>
  )
}
