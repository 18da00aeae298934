/** Diagrams of the model as tabs; add one, rename one by double-clicking its tab. */
import { useState, type FormEvent } from 'react'

export interface TabInfo {
  id: number
  name: string
}

export function DiagramTabs({
  tabs,
  active,
  unsaved,
  canWrite,
  onSelect,
  onAdd,
  onRename,
}: {
  tabs: readonly TabInfo[]
  active: number
  unsaved: ReadonlySet<number>
  canWrite: boolean
  onSelect: (id: number) => void
  onAdd: () => void
  onRename: (id: number, name: string) => void
}) {
  const [editing, setEditing] = useState<{ id: number; name: string } | null>(null)
  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (editing && editing.name.trim()) onRename(editing.id, editing.name.trim())
    setEditing(null)
  }
  return (
    <div className="diagram-tabs">
      <div role="tablist" aria-label="Diagrams">
        {tabs.map((tab) =>
          editing?.id === tab.id ? (
            <form key={tab.id} onSubmit={submit} className="tab-rename">
              <input
                aria-label="Diagram name"
                value={editing.name}
                autoFocus
                maxLength={200}
                onChange={(event) => setEditing({ id: tab.id, name: event.target.value })}
                onBlur={submit}
                onKeyDown={(event) => event.key === 'Escape' && setEditing(null)}
              />
            </form>
          ) : (
            <button
              key={tab.id}
              type="button"
              role="tab"
              aria-selected={tab.id === active}
              className="tab"
              onClick={() => onSelect(tab.id)}
              onDoubleClick={() => canWrite && setEditing({ id: tab.id, name: tab.name })}
              title={canWrite ? 'Double-click to rename' : undefined}
            >
              {tab.name}
              {unsaved.has(tab.id) && <span className="tab-dot" aria-label="unsaved changes" />}
            </button>
          ),
        )}
      </div>
      {canWrite && (
        <button type="button" className="tab-add" onClick={onAdd} aria-label="Add a diagram">
          + Diagram
        </button>
      )}
    </div>
  )
}
