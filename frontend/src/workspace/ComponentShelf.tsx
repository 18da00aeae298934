/**
 * The team's components in the palette, below the built-in stencils, and "Save selection as
 * component". A drop is not a local edit: the server draws the component with fresh keys and
 * carries its threats' triage (`POST /diagrams/{id}/insert-component/`), so the shelf first lets
 * the session save what it holds, sends the session's version (a stale one is refused, 409), and
 * then has the session load the diagram again. The canvas is not touched: the shelf listens for
 * its own drag type on the canvas's wrapper.
 */
import { useReactFlow } from '@xyflow/react'
import { memo, useCallback, useEffect, useMemo, useRef, useState, type DragEvent as ReactDragEvent, type FormEvent } from 'react'
import { ApiError } from '../api/client'
import { libraryApi, type LibraryComponent } from '../api/library'
import { componentDropTarget, componentSelection } from '../core/components'
import type { DiagramSession } from '../core/diagram-session'

export const COMPONENT_MIME = 'application/x-dfd-component'

interface Props {
  session: DiagramSession
  team: number
  selection: ReadonlySet<string>
  disabled: boolean
}

export const ComponentShelf = memo(function ComponentShelf({ session, team, selection, disabled }: Props) {
  const flow = useReactFlow()
  const [rows, setRows] = useState<LibraryComponent[] | null>(null)
  const [naming, setNaming] = useState(false)
  const [name, setName] = useState('')
  const [message, setMessage] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const byId = useRef(new Map<number, LibraryComponent>())

  const load = useCallback(async () => {
    try {
      const page = await libraryApi.components(team)
      byId.current = new Map(page.results.map((row) => [row.id, row]))
      setRows(page.results)
    } catch {
      setRows([])
    }
  }, [team])
  useEffect(() => void load(), [load])

  const insert = useCallback(
    async (row: LibraryComponent, point: { x: number; y: number }) => {
      setBusy(true)
      setMessage(null)
      try {
        if (session.unsaved) await session.flush()
        const where = componentDropTarget(session.state, point, { width: row.width, height: row.height })
        const answer = await libraryApi.insertComponent(session.diagramId, { component: row.id, x: where.x, y: where.y, boundary: where.boundary, base_version: session.serverVersion })
        await session.resync()
        const carried = answer.triage_carried ? `, with the triage of ${answer.triage_carried} threat${answer.triage_carried === 1 ? '' : 's'}` : ''
        setMessage(`Added “${row.name}”${carried}.`)
      } catch (error) {
        if (error instanceof ApiError && error.status === 409) {
          await session.resync()
          setMessage('The diagram changed meanwhile; it was reloaded. Drop the component again.')
        } else setMessage(error instanceof Error ? error.message : 'The component could not be added.')
      } finally {
        setBusy(false)
      }
    },
    [session],
  )

  // Drops of a component on the canvas (the canvas itself only takes stencils).
  useEffect(() => {
    const onCanvas = (event: DragEvent) => event.dataTransfer?.types.includes(COMPONENT_MIME) && event.target instanceof Element && event.target.closest('.canvas-wrap')
    const over = (event: DragEvent) => {
      if (!onCanvas(event) || !event.dataTransfer) return
      event.preventDefault()
      event.dataTransfer.dropEffect = 'copy'
    }
    const drop = (event: DragEvent) => {
      if (!onCanvas(event) || !event.dataTransfer) return
      event.preventDefault()
      const row = byId.current.get(Number(event.dataTransfer.getData(COMPONENT_MIME)))
      if (row) void insert(row, flow.screenToFlowPosition({ x: event.clientX, y: event.clientY }))
    }
    document.addEventListener('dragover', over)
    document.addEventListener('drop', drop)
    return () => {
      document.removeEventListener('dragover', over)
      document.removeEventListener('drop', drop)
    }
  }, [flow, insert])

  const atCentre = (row: LibraryComponent) => {
    const wrap = document.querySelector('.canvas-wrap')?.getBoundingClientRect()
    const screen = wrap ? { x: wrap.left + wrap.width / 2, y: wrap.top + wrap.height / 2 } : { x: 400, y: 300 }
    void insert(row, flow.screenToFlowPosition(screen))
  }

  // Read at render: the selection changes with every click, the diagram with every edit.
  const state = session.state
  const picked = useMemo(() => (selection.size > 0 ? componentSelection(state, selection) : { elements: [], flows: [] }), [state, selection])
  const save = async (event: FormEvent) => {
    event.preventDefault()
    setBusy(true)
    try {
      if (session.unsaved) await session.flush()
      // The diagram as it is now (the flush may have changed it since this rendered).
      const chosen = componentSelection(session.state, selection)
      const row = await libraryApi.saveComponent({ diagram: session.diagramId, name: name.trim(), description: '', ...chosen })
      setNaming(false)
      setName('')
      setMessage(`Saved “${row.name}” to the team's components.`)
      await load()
    } catch (error) {
      setMessage(error instanceof Error ? error.message : 'The component could not be saved.')
    } finally {
      setBusy(false)
    }
  }

  const onDragStart = (event: ReactDragEvent, row: LibraryComponent) => {
    event.dataTransfer.setData(COMPONENT_MIME, String(row.id))
    event.dataTransfer.effectAllowed = 'copy'
  }

  return (
    <section aria-label="Team components">
      <h2 className="panel-title">Team components</h2>
      {rows !== null && rows.length === 0 && <p className="muted">None yet: select part of a diagram and save it.</p>}
      <ul className="palette-list">
        {(rows ?? []).map((row) => (
          <li key={row.id}>
            <button
              type="button"
              className="palette-item"
              draggable={!disabled && !busy}
              disabled={disabled || busy}
              onDragStart={(event) => onDragStart(event, row)}
              onClick={() => atCentre(row)}
              title={`Add ${row.name}: ${row.element_count} elements, ${row.flow_count} flows (drag onto the canvas, or click)`}
              data-component={row.id}
            >
              <span className="palette-glyph glyph-component" aria-hidden="true" />
              <span>{row.name}</span>
            </button>
          </li>
        ))}
      </ul>
      {!disabled && picked.elements.length > 0 && !naming && (
        <button type="button" className="palette-save" onClick={() => setNaming(true)} disabled={busy}>
          Save selection as component…
        </button>
      )}
      {naming && (
        <form className="palette-save" onSubmit={save}>
          <label>
            Component name
            <input value={name} onChange={(event) => setName(event.target.value)} maxLength={200} required autoFocus />
          </label>
          <span className="muted">
            {picked.elements.length} elements, {picked.flows.length} flows
          </span>
          <button type="submit" disabled={busy || !name.trim()}>
            Save component
          </button>
          <button type="button" onClick={() => setNaming(false)}>
            Cancel
          </button>
        </form>
      )}
      {message && (
        <p className="muted" role="status">
          {message}
        </p>
      )}
    </section>
  )
})
