/**
 * The palette: drag a stencil onto the canvas, or click it (or press Enter on it) to add it in
 * the middle of the view — inside the selected boundary when one is selected. Below the built-in
 * stencils, `children` (the team's components).
 */
import { memo, type DragEvent, type ReactNode } from 'react'
import { STENCILS, type Stencil } from '../core/stencils'
import { STENCIL_MIME } from './EditorCanvas'

function Glyph({ kind }: { kind: Stencil['kind'] }) {
  return <span className={`palette-glyph glyph-${kind}`} aria-hidden="true" />
}

export const Palette = memo(function Palette({ onAdd, disabled, children }: { onAdd: (stencil: Stencil) => void; disabled: boolean; children?: ReactNode }) {
  const onDragStart = (event: DragEvent, stencil: Stencil) => {
    event.dataTransfer.setData(STENCIL_MIME, stencil.id)
    event.dataTransfer.effectAllowed = 'copy'
  }
  const section = (group: Stencil['group'], title: string) => (
    <section aria-label={title}>
      <h2 className="panel-title">{title}</h2>
      <ul className="palette-list">
        {STENCILS.filter((item) => item.group === group).map((item) => (
          <li key={item.id}>
            <button
              type="button"
              className="palette-item"
              draggable={!disabled}
              disabled={disabled}
              onDragStart={(event) => onDragStart(event, item)}
              onClick={() => onAdd(item)}
              title={`Add ${item.label} (drag onto the canvas, or click)`}
              data-stencil={item.id}
            >
              <Glyph kind={item.kind} />
              <span>{item.label}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  )
  return (
    <nav className="palette" aria-label="Palette">
      {section('base', 'DFD elements')}
      {section('cloud-native', 'Cloud native')}
      {children}
    </nav>
  )
})
