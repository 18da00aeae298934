/**
 * Every threat of the model in one full-width table, in place of the canvas: sortable by risk,
 * STRIDE, status, subject and rule (a click on the heading; again to reverse), narrowed by STRIDE,
 * status, band, technique, subject and confirmation, and searched by title, subject, rule id and
 * technique (`core/grid.ts`). A row opens the threat drawer; editors select rows and hand them to
 * the same bulk actions as the threat list. A model can have thousands of threats, so the table
 * shows one page of them at a time.
 *
 * After a toast's click the grid shows only what that analysis changed, those that no longer
 * apply included (greyed, they are no longer in the list).
 */
import { memo, useDeferredValue, useMemo, useState } from 'react'
import { BAND_LABEL, bandClass, type BandOrUnrated, type Thresholds } from '../core/bands'
import type { BulkKind } from '../core/bulk'
import { activeFilters, DEFAULT_SORT, filterOptions, gridRows, gridView, nextSort, NO_FILTER, pageOf, type GridFilter, type GridSort, type SortKey } from '../core/grid'
import { STRIDE_NAMES, type EditorThreat } from '../core/threats'
import { BulkBar } from './BulkBar'

/** What the last analysis changed, when the toast asked the grid to show it. */
export interface GridChanged {
  fingerprints: ReadonlySet<string>
  label: string
  /** The threats that no longer apply (they left the list). */
  goneRows: readonly EditorThreat[]
}

interface Props {
  threats: readonly EditorThreat[] | null
  loadError: string | null
  policy: Thresholds
  nameOf: (key: string) => string
  activeThreat: number | null
  onOpen: (id: number | null) => void
  canBulk: boolean
  onBulk: (kind: BulkKind, threats: EditorThreat[]) => void
  changed: GridChanged | null
  onClearChanged: () => void
}

export const PAGE_SIZE = 100

const COLUMNS: { key: SortKey | null; label: string; className: string }[] = [
  { key: 'risk', label: 'Risk', className: 'col-risk' },
  { key: 'stride', label: 'STRIDE', className: 'col-stride' },
  { key: 'title', label: 'Threat', className: 'col-title' },
  { key: 'subject', label: 'Subject', className: 'col-subject' },
  { key: 'status', label: 'Status', className: 'col-status' },
  { key: 'rule', label: 'Rule', className: 'col-rule' },
  { key: null, label: 'Techniques', className: 'col-techniques' },
]

const statusLabel = (status: string) => status.replace(/_/g, ' ')

export const ThreatGrid = memo(function ThreatGrid({ threats, loadError, policy, nameOf, activeThreat, onOpen, canBulk, onBulk, changed, onClearChanged }: Props) {
  const [filter, setFilter] = useState<GridFilter>(NO_FILTER)
  const [sort, setSort] = useState<GridSort>(DEFAULT_SORT)
  const [page, setPage] = useState(0)
  const [checked, setChecked] = useState<ReadonlySet<number>>(new Set())
  // Typing stays immediate; the table follows a moment later on a large model.
  const search = useDeferredValue(filter.search)

  const source = useMemo(() => {
    if (!threats) return []
    if (!changed || changed.goneRows.length === 0) return threats
    const have = new Set(threats.map((t) => t.fingerprint))
    return [...threats, ...changed.goneRows.filter((row) => !have.has(row.fingerprint))]
  }, [threats, changed])
  const rows = useMemo(() => gridRows(source, policy, nameOf), [source, policy, nameOf])
  const options = useMemo(() => filterOptions(rows), [rows])
  const effective = useMemo(() => ({ ...filter, search, fingerprints: changed?.fingerprints ?? null }), [filter, search, changed])
  const view = useMemo(() => gridView(rows, effective, sort), [rows, effective, sort])
  const shown = useMemo(() => view.map((row) => row.threat).filter((t) => t.status !== 'obsolete'), [view])
  const picked = useMemo(() => shown.filter((t) => checked.has(t.id)), [shown, checked])
  const paged = pageOf(view, page, PAGE_SIZE)

  const set = (patch: Partial<GridFilter>) => {
    setFilter((prev) => ({ ...prev, ...patch }))
    setPage(0)
  }
  const toggle = (id: number, on: boolean) =>
    setChecked((prev) => {
      const next = new Set(prev)
      if (on) next.add(id)
      else next.delete(id)
      return next
    })
  const narrowed = activeFilters(effective)

  return (
    <section className="threat-grid" aria-label="Threat grid">
      <div className="grid-controls" role="search" aria-label="Filter the threats">
        <label className="grid-search">
          <span>Search</span>
          <input type="search" value={filter.search} placeholder="Title, subject, rule id or technique" onChange={(event) => set({ search: event.target.value })} aria-label="Search threats" />
        </label>
        <GridSelect label="STRIDE" value={filter.stride} onChange={(stride) => set({ stride })} options={options.stride.map((s) => [s, `${s} · ${STRIDE_NAMES[s] ?? s}`])} />
        <GridSelect label="Status" value={filter.status} onChange={(status) => set({ status })} options={options.status.map((s) => [s, statusLabel(s)])} />
        <GridSelect label="Band" value={filter.band} onChange={(band) => set({ band: band as BandOrUnrated | '' })} options={options.band.map((b) => [b, BAND_LABEL[b]])} />
        <GridSelect label="Technique" value={filter.technique} onChange={(technique) => set({ technique })} options={options.technique.map((t) => [t, t])} />
        <GridSelect label="Subject" value={filter.subject} onChange={(subject) => set({ subject })} options={options.subject.map((s) => [s.key, s.name])} />
        <GridSelect
          label="Confirmation"
          value={filter.confirmed}
          onChange={(confirmed) => set({ confirmed: confirmed as GridFilter['confirmed'] })}
          options={[
            ['confirmed', 'Confirmed'],
            ['unconfirmed', 'Unconfirmed (questions)'],
          ]}
        />
        {narrowed > 0 && (
          <button
            type="button"
            className="small grid-clear"
            onClick={() => {
              set(NO_FILTER)
              if (changed) onClearChanged()
            }}
          >
            Clear filters ({narrowed})
          </button>
        )}
      </div>
      {changed && (
        <p className="filter-chip" role="status">
          <span>
            Changed by the last analysis: {changed.label}
          </span>
          <button type="button" className="small" onClick={onClearChanged}>
            Show every threat
          </button>
        </p>
      )}
      <div className="grid-summary">
        <h2 className="panel-subtitle">
          Threats <span className="count">({shown.length}{view.length !== rows.length || shown.length !== view.length ? ` of ${threats?.length ?? 0}` : ''})</span>
        </h2>
        {canBulk && shown.length > 0 && <BulkBar shown={shown} picked={picked} onPick={setChecked} onBulk={onBulk} />}
        {paged.pages > 1 && (
          <span className="grid-pager" role="group" aria-label="Pages">
            <button type="button" className="small" disabled={paged.page === 0} onClick={() => setPage(paged.page - 1)}>
              Previous
            </button>
            <span>
              Rows {paged.page * PAGE_SIZE + 1}–{paged.page * PAGE_SIZE + paged.rows.length} of {view.length}
            </span>
            <button type="button" className="small" disabled={paged.page >= paged.pages - 1} onClick={() => setPage(paged.page + 1)}>
              Next
            </button>
          </span>
        )}
      </div>
      {loadError && (
        <p className="form-error" role="alert">
          Threats could not be loaded: {loadError}
        </p>
      )}
      {threats === null && !loadError && <p className="muted">Loading threats…</p>}
      <div className="grid-scroll">
        <table className="grid-table">
          <thead>
            <tr>
              {canBulk && (
                <th scope="col" className="col-check">
                  <span className="sr-only">Selected</span>
                </th>
              )}
              {COLUMNS.map((column) => (
                <th
                  key={column.label}
                  scope="col"
                  className={column.className}
                  aria-sort={column.key && sort.key === column.key ? (sort.descending ? 'descending' : 'ascending') : undefined}
                >
                  {column.key ? (
                    <button type="button" className="grid-sort" onClick={() => (setSort(nextSort(sort, column.key!)), setPage(0))}>
                      {column.label}
                      <span aria-hidden="true">{sort.key === column.key ? (sort.descending ? ' ▼' : ' ▲') : ''}</span>
                    </button>
                  ) : (
                    column.label
                  )}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {paged.rows.map((row) => {
              const { threat } = row
              const gone = threat.status === 'obsolete'
              const on = threat.id === activeThreat
              return (
                <tr
                  key={`${threat.id}-${threat.fingerprint}`}
                  className={`${on ? 'is-active' : ''}${gone ? ' is-gone' : ''}${threat.confirmed ? '' : ' is-unconfirmed'}`}
                  data-threat={threat.id}
                  data-fingerprint={threat.fingerprint}
                  onClick={(event) => {
                    if (gone || (event.target as HTMLElement).closest('input, button')) return
                    onOpen(on ? null : threat.id)
                  }}
                >
                  {canBulk && (
                    <td className="col-check">
                      {!gone && (
                        <input type="checkbox" aria-label={`Select “${threat.title}”`} checked={checked.has(threat.id)} onChange={(event) => toggle(threat.id, event.target.checked)} />
                      )}
                    </td>
                  )}
                  <td className="col-risk">
                    <span className={`band-chip ${bandClass(row.band, row.band === 'unrated' || threat.suggested)}`} data-band={row.band} title={threat.suggested ? 'Suggested by the rule; not rated yet' : BAND_LABEL[row.band]}>
                      {row.score === null ? 'not rated' : `${row.score} ${BAND_LABEL[row.band]}`}
                    </span>
                    {threat.suggested && <span className="grid-suggested">suggested by the rule</span>}
                  </td>
                  <td className="col-stride">
                    <span className={`stride stride-${threat.stride}`} title={STRIDE_NAMES[threat.stride] ?? threat.stride}>
                      {threat.stride}
                    </span>
                  </td>
                  <td className="col-title">
                    {gone ? (
                      <span className="grid-title">{threat.title}</span>
                    ) : (
                      <button type="button" className="link grid-title" aria-pressed={on} onClick={() => onOpen(on ? null : threat.id)}>
                        {threat.title}
                      </button>
                    )}
                    {!threat.confirmed && <span className="unconfirmed-tag">unconfirmed</span>}
                  </td>
                  <td className="col-subject">{row.subject}</td>
                  <td className="col-status">
                    <span className={`status status-${threat.status}`}>{gone ? 'no longer applies' : statusLabel(threat.status)}</span>
                  </td>
                  <td className="col-rule">{threat.ruleId || 'manual'}</td>
                  <td className="col-techniques">
                    {threat.techniques.map((technique) => (
                      <span key={technique} className="technique">
                        {technique}
                      </span>
                    ))}
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
        {threats !== null && view.length === 0 && <p className="muted grid-empty">{rows.length === 0 ? 'No threats yet: they appear as soon as the analysis has run.' : 'No threat matches these filters.'}</p>}
      </div>
    </section>
  )
})

function GridSelect({ label, value, onChange, options }: { label: string; value: string; onChange: (value: string) => void; options: [string, string][] }) {
  return (
    <label className="grid-filter">
      <span>{label}</span>
      <select value={value} onChange={(event) => onChange(event.target.value)} aria-label={label}>
        <option value="">Any</option>
        {options.map(([key, text]) => (
          <option key={key} value={key}>
            {text}
          </option>
        ))}
      </select>
    </label>
  )
}
