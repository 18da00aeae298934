/**
 * The workspace's second view and its news: the diagram or the threat grid (a switch in the
 * toolbar), and a toast after each analysis that added or retired threats ("+3 new, 3 no longer
 * apply"). Clicking the toast opens the grid on just those threats. The toast follows every saved
 * batch — this person's and, in a live room, the others' — once the threat list has followed it.
 */
import { useCallback, useEffect, useState } from 'react'
import type { OpsResult } from '../core/diagram-session'
import { mergeNews, newsAfterSave, newsFingerprints, newsText, type AnalysisNews } from '../core/grid'
import type { WorkspaceStore } from '../core/workspace-store'
import type { GridChanged } from '../workflow/ThreatGrid'

export type WorkspaceView = 'canvas' | 'grid'

/** How long the toast stays unless pointed at. */
const TOAST_MS = 15_000

export interface GridView {
  view: WorkspaceView
  setView: (view: WorkspaceView) => void
  /** The grid narrowed to what an analysis changed (after a toast's click). */
  changed: GridChanged | null
  clearChanged: () => void
  /** The save follow-up with the news added (give it to the diagram sessions). */
  afterSave: (result: OpsResult) => void
  toast: { news: AnalysisNews; id: number } | null
  showNews: () => void
  dismissToast: () => void
}

export function useGridView(store: WorkspaceStore, afterSave: (result: OpsResult) => Promise<void>): GridView {
  const [view, setView] = useState<WorkspaceView>('canvas')
  const [changed, setChanged] = useState<GridChanged | null>(null)
  const [toast, setToast] = useState<{ news: AnalysisNews; id: number } | null>(null)

  const saved = useCallback(
    (result: OpsResult) => {
      const before = store.getState().threats ?? []
      void afterSave(result).then(() => {
        const news = newsAfterSave(result.analysis, before, store.getState().threats ?? [])
        if (news) setToast((prev) => ({ news: mergeNews(prev?.news ?? null, news), id: (prev?.id ?? 0) + 1 }))
      })
    },
    [store, afterSave],
  )

  const showNews = useCallback(() => {
    if (!toast) return
    setChanged({ fingerprints: newsFingerprints(toast.news), label: newsText(toast.news), goneRows: toast.news.goneRows })
    setView('grid')
    setToast(null)
  }, [toast])

  return {
    view,
    setView,
    changed,
    clearChanged: useCallback(() => setChanged(null), []),
    afterSave: saved,
    toast,
    showNews,
    dismissToast: useCallback(() => setToast(null), []),
  }
}

export function ViewSwitch({ view, onView }: { view: WorkspaceView; onView: (view: WorkspaceView) => void }) {
  return (
    <span className="segmented view-switch" role="group" aria-label="View">
      <button type="button" aria-pressed={view === 'canvas'} onClick={() => onView('canvas')} title="The diagram">
        Diagram
      </button>
      <button type="button" aria-pressed={view === 'grid'} onClick={() => onView('grid')} title="Every threat of the model in a sortable, filterable table">
        Threat grid
      </button>
    </span>
  )
}

export function AnalysisToast({ toast, onShow, onDismiss }: { toast: { news: AnalysisNews; id: number }; onShow: () => void; onDismiss: () => void }) {
  const [held, setHeld] = useState(false)
  useEffect(() => {
    if (held) return
    const timer = setTimeout(onDismiss, TOAST_MS)
    return () => clearTimeout(timer)
  }, [toast.id, held, onDismiss])
  return (
    <div className="analysis-toast" role="status" onMouseEnter={() => setHeld(true)} onMouseLeave={() => setHeld(false)}>
      <button type="button" className="analysis-toast-main" onClick={onShow} title="Show these threats in the grid">
        <span className="analysis-toast-head">Analysis:</span> {newsText(toast.news)}
        <span className="analysis-toast-go">Show in the grid</span>
      </button>
      <button type="button" className="small" onClick={onDismiss} aria-label="Dismiss">
        ×
      </button>
    </div>
  )
}
