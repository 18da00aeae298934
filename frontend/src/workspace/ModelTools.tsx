/** The toolbar's model-wide views: STRIDE coverage, history (versions and the audit trail), the PDF report; and the manifests' re-import. */
import type { ReactNode } from 'react'
import type { WorkspaceStore } from '../core/workspace-store'

export function ModelTools({ store, reimport }: { store: WorkspaceStore; reimport?: ReactNode }) {
  return (
    <>
      <button type="button" onClick={() => store.dispatch({ type: 'coverageOpened', focus: null })} title="STRIDE coverage of every element and flow">
        Coverage
      </button>
      <button type="button" onClick={() => store.dispatch({ type: 'historyOpened', tab: 'versions' })} title="Versions, comparisons and the audit trail">
        History
      </button>
      <button type="button" onClick={() => store.dispatch({ type: 'reportOpened' })} title="The PDF report for the review board">
        Report
      </button>
      {reimport}
    </>
  )
}
