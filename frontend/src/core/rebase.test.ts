import { describeDropped, rebase, type PendingEdit } from './rebase'
import { draw, SMALL, vocab } from './test-helpers'

describe('rebase', () => {
  const mine: PendingEdit[] = [
    { id: 1, label: 'Rename “Web”', ops: [{ op: 'update_element', key: 'web', name: 'Storefront' }] },
    { id: 2, label: 'Mark “DB” as a log', ops: [{ op: 'update_element', key: 'db', properties: { encrypted: false } }] },
    {
      id: 3,
      label: 'Add “Cache”',
      ops: [
        { op: 'add_element', key: 'cache', kind: 'data_store', name: 'Cache', parent: 'tb-app' },
        { op: 'add_flow', key: 'f-cache', source: 'web', target: 'cache' },
      ],
    },
  ]

  it('re-applies every edit that still applies on the newer document', () => {
    const theirs = draw([{ op: 'update_element', key: 'user', name: 'Customer' }], draw(SMALL))
    const result = rebase(theirs, mine, vocab)
    expect(result.dropped).toEqual([])
    expect(result.kept.map((edit) => edit.id)).toEqual([1, 2, 3])
    expect(result.state.elements.get('user')?.name).toBe('Customer')
    expect(result.state.elements.get('web')?.name).toBe('Storefront')
    expect(result.state.flows.get('f-cache')?.target).toBe('cache')
  })

  it('drops what no longer applies and says why, keeping the rest', () => {
    // The other person deleted the web process (and with it its flows) and the app boundary.
    const theirs = draw([{ op: 'delete_element', key: 'web' }, { op: 'delete_element', key: 'tb-app' }], draw(SMALL))
    const result = rebase(theirs, mine, vocab)
    expect(result.kept.map((edit) => edit.id)).toEqual([2])
    expect(result.dropped.map((d) => [d.edit.id, d.op.op])).toEqual([
      [1, 'update_element'],
      [3, 'add_element'],
      [3, 'add_flow'],
    ])
    const sentences = describeDropped(result.dropped)
    expect(sentences[0]).toBe('Rename “Web”: the element web no longer exists.')
    expect(sentences[1]).toContain('the boundary tb-app no longer exists')
  })

  it('skips ops whose effect is already on the server, so nothing is applied twice', () => {
    // The batch did reach the server; only its answer was lost.
    const theirs = draw(mine.flatMap((edit) => edit.ops), draw(SMALL))
    const result = rebase(theirs, [...mine, { id: 4, label: 'Delete f1', ops: [{ op: 'delete_flow', key: 'f1' }] }], vocab)
    expect(result.dropped).toEqual([])
    expect(result.kept.map((edit) => edit.id)).toEqual([1, 2, 4])
    expect(result.state.flows.has('f1')).toBe(false)
  })

  it('lets a delete win over an edit already gone', () => {
    const theirs = draw([{ op: 'delete_element', key: 'db' }], draw(SMALL))
    const result = rebase(theirs, [{ id: 9, label: 'Delete “DB”', ops: [{ op: 'delete_element', key: 'db' }] }])
    expect(result.kept).toEqual([])
    expect(result.dropped).toEqual([])
  })
})
