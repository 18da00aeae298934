import { describe, expect, it } from 'vitest'
import { memberOptions, numberOptions, plainOptions } from './options'

describe('option lists', () => {
  it('counts from one bound to the other, both included, with the labels asked for', () => {
    expect(numberOptions(0, 2)).toEqual([
      { value: 0, label: '0' },
      { value: 1, label: '1' },
      { value: 2, label: '2' },
    ])
    expect(numberOptions(4, 5, (n) => `${n} · level`).map((o) => o.label)).toEqual(['4 · level', '5 · level'])
    expect(numberOptions(3, 2)).toEqual([])
  })

  it('labels plain values by themselves', () => {
    expect(plainOptions(['owner', 'viewer'])).toEqual([
      { value: 'owner', label: 'owner' },
      { value: 'viewer', label: 'viewer' },
    ])
  })
})

describe('member options', () => {
  it('offers user names, with the role when asked', () => {
    const members = [{ username: 'ana', role: 'owner' }, { username: 'bo' }]
    expect(memberOptions(members).map((o) => o.label)).toEqual(['ana', 'bo'])
    expect(memberOptions(members, true)).toEqual([
      { value: 'ana', label: 'ana (owner)' },
      { value: 'bo', label: 'bo (no role)' },
    ])
  })
})
