/**
 * The toolbar's "Re-import manifests…": the drift check of the open diagram (`interop/DriftDialog`).
 * After an apply the workspace is loaded again, so the canvas, the threats and the gates all show
 * the diagram the server now has.
 */
import { useCallback, useState, useSyncExternalStore } from 'react'
import { createPortal } from 'react-dom'
import type { DiagramSession } from '../core/diagram-session'
import { appliedNotice } from '../core/manifests'
import type { VocabularyIndex } from '../core/validation'
import { DriftDialog } from '../interop/DriftDialog'

interface Props {
  session: DiagramSession
  vocab: VocabularyIndex
  /** Load the workspace again, with this notice over it. */
  onApplied: (notice: string) => void
}

export function ManifestReimport({ session, vocab, onApplied }: Props) {
  const [open, setOpen] = useState(false)
  const snapshot = useSyncExternalStore(session.subscribe, () => session.state)
  const unsaved = useSyncExternalStore(session.subscribe, () => session.unsaved)
  const labelOf = useCallback((target: string, name: string) => vocab.get(target)?.get(name)?.label ?? name, [vocab])
  return (
    <>
      <button type="button" onClick={() => setOpen(true)} title="Compare this diagram with its Kubernetes or compose files again, and apply the drift">
        Re-import manifests…
      </button>
      {open &&
        createPortal(
          <DriftDialog
            diagramId={session.diagramId}
            state={snapshot}
            unsaved={unsaved}
            labelOf={labelOf}
            onClose={() => setOpen(false)}
            onApplied={(result) => {
              setOpen(false)
              onApplied(appliedNotice(result, result.reopened))
            }}
          />,
          document.body,
        )}
    </>
  )
}
