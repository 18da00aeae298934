import {
  appliedNotice,
  diagramManifestFormat,
  driftCounts,
  driftPreview,
  filesText,
  looksLikeCompose,
  manifestFormatFor,
  severalFilesProblem,
  staleText,
  suggestedFormat,
  valueText,
  type DriftChanges, reopenedLines } from './manifests'
import { draw, vocab } from './test-helpers'

const formats = [
  { name: 'otm', label: 'Open Threat Model', several_files: false },
  { name: 'kubernetes', label: 'Kubernetes manifests', several_files: true },
  { name: 'compose', label: 'Docker Compose', several_files: true },
]

describe('which manifest format a set of files is', () => {
  it('knows compose files by their names', () => {
    expect(looksLikeCompose('compose.yaml')).toBe(true)
    expect(looksLikeCompose('docker-compose.yml')).toBe(true)
    expect(looksLikeCompose('docker-compose.override.yml')).toBe(true)
    expect(looksLikeCompose('awesome/nginx-golang/compose.prod.yaml')).toBe(true)
    expect(looksLikeCompose('frontend-deployment.yaml')).toBe(false)
    expect(looksLikeCompose('composer.json')).toBe(false)
  })

  it('names Kubernetes for YAML and JSON files none of which is a compose file', () => {
    expect(manifestFormatFor(['frontend-deployment.yaml', 'priv-exec-pod.yaml', 'list.json'])).toBe('kubernetes')
    expect(manifestFormatFor(['compose.yaml', 'docker-compose.override.yml'])).toBe('compose')
  })

  it('leaves a mix, an empty set and other files to the user', () => {
    expect(manifestFormatFor(['compose.yaml', 'deploy.yaml'])).toBe('')
    expect(manifestFormatFor([])).toBe('')
    expect(manifestFormatFor(['deploy.yaml', 'model.tm7'])).toBe('')
  })

  it('takes several files only in a format that reads several', () => {
    expect(severalFilesProblem(1, '', formats)).toBeNull()
    expect(severalFilesProblem(3, 'kubernetes', formats)).toBeNull()
    expect(severalFilesProblem(2, 'otm', formats)).toBe(
      'Open Threat Model is read one file at a time: choose one file, or Kubernetes manifests or Docker Compose.',
    )
    expect(severalFilesProblem(2, '', formats)).toBe(
      'Several files go in one import only as Kubernetes manifests or Docker Compose: choose the format.',
    )
  })

  it('tells a diagram’s format by the keys the import gave it', () => {
    const k8s = draw([
      { op: 'add_element', key: 'k8s:cluster', kind: 'trust_boundary', name: 'Cluster', x: 0, y: 0, width: 300, height: 300 },
      { op: 'add_element', key: 'user', kind: 'external_entity', name: 'User', x: 400, y: 0 },
    ])
    expect(diagramManifestFormat(k8s)).toBe('kubernetes')
    const compose = draw([{ op: 'add_element', key: 'compose:service:db', kind: 'process', name: 'db', x: 0, y: 0 }])
    expect(diagramManifestFormat(compose)).toBe('compose')
    expect(diagramManifestFormat(draw([{ op: 'add_element', key: 'web', kind: 'process', name: 'Web', x: 0, y: 0 }]))).toBeNull()
  })
})

// The guestbook after one Deployment became privileged and the redis replica was deleted, beside a user someone drew.
const current = draw([
  { op: 'add_element', key: 'k8s:cluster', kind: 'trust_boundary', name: 'Cluster', x: 0, y: 0, width: 600, height: 400 },
  { op: 'add_element', key: 'k8s:deployment:default:frontend', kind: 'process', name: 'frontend (Deployment)', parent: 'k8s:cluster', x: 10, y: 10 },
  { op: 'add_element', key: 'k8s:deployment:default:redis-replica', kind: 'process', name: 'redis-replica (Deployment)', parent: 'k8s:cluster', x: 200, y: 10 },
  { op: 'add_element', key: 'user', kind: 'external_entity', name: 'Shop clerk', x: 700, y: 10 },
  { op: 'add_flow', key: 'k8s:flow:frontend--redis-replica', source: 'k8s:deployment:default:frontend', target: 'k8s:deployment:default:redis-replica' },
  { op: 'add_flow', key: 'clerk-uses', source: 'user', target: 'k8s:deployment:default:frontend', label: 'HTTPS' },
  { op: 'add_flow', key: 'clerk-reads', source: 'user', target: 'k8s:deployment:default:redis-replica', label: 'debug' },
])

const changes: DriftChanges = {
  elements: {
    added: [{ key: 'k8s:deployment:default:redis-leader', kind: 'process', name: 'redis-leader (Deployment)' }],
    changed: [
      {
        key: 'k8s:deployment:default:frontend',
        kind: 'process',
        name: 'frontend (Deployment)',
        field_changes: {},
        properties: { privileged: { before: false, after: true }, added_capabilities: { before: 'unknown', after: ['NET_ADMIN', 'SYS_ADMIN'] } },
      },
    ],
    removed: [{ key: 'k8s:deployment:default:redis-replica', kind: 'process', name: 'redis-replica (Deployment)' }],
  },
  flows: {
    added: [{ key: 'k8s:flow:frontend--redis-leader', source: 'k8s:deployment:default:frontend', target: 'k8s:deployment:default:redis-leader', label: '' }],
    changed: [],
    removed: [{ key: 'k8s:flow:frontend--redis-replica', source: 'k8s:deployment:default:frontend', target: 'k8s:deployment:default:redis-replica', label: '' }],
  },
  // As the server has it: the clerk, and a support desk someone drew since the editor loaded.
  kept: {
    elements: [
      { key: 'support', kind: 'external_entity', name: 'Support desk' },
      { key: 'user', kind: 'external_entity', name: 'Shop clerk' },
    ],
    flows: [
      { key: 'clerk-uses', source: 'user', target: 'k8s:deployment:default:frontend', label: 'HTTPS' },
      { key: 'support-reads', source: 'support', target: 'k8s:deployment:default:redis-leader', label: '' },
    ],
  },
}

const labelOf = (target: string, name: string) => vocab.get(target)?.get(name)?.label ?? name

describe('the drift of a re-import in words', () => {
  it('lists what is added, changed with each property before and after, and removed', () => {
    const preview = driftPreview(changes, { current, labelOf, })
    expect(preview.inStep).toBe(false)
    expect(preview.sections.map((s) => s.id)).toEqual(['added', 'changed', 'removed'])
    const [added, changed, removed] = preview.sections
    expect(added?.elements.map((l) => l.text)).toEqual(['redis-leader (Deployment) — process'])
    // A flow's ends by name, the one added just now included.
    expect(added?.flows.map((l) => l.text)).toEqual(['frontend (Deployment) → redis-leader (Deployment)'])
    expect(changed?.elements[0]?.text).toBe('frontend (Deployment) — process')
    expect(changed?.elements[0]?.facts).toEqual([
      { name: 'privileged', label: 'Privileged', before: 'false', after: 'true' },
      { name: 'added_capabilities', label: 'added_capabilities', before: 'unknown', after: 'NET_ADMIN, SYS_ADMIN' },
    ])
    expect(removed?.elements.map((l) => l.key)).toEqual(['k8s:deployment:default:redis-replica'])
    expect(removed?.flows.map((l) => l.text)).toEqual(['frontend (Deployment) → redis-replica (Deployment)'])
  })

  it('lists what stays as drawn as the server has it, flow ends by name', () => {
    const preview = driftPreview(changes, { current, labelOf })
    expect(preview.kept.map((l) => l.text)).toEqual([
      'Support desk — external entity',
      'Shop clerk — external entity',
      'Shop clerk → frontend (Deployment) “HTTPS”',
      'Support desk → redis-leader (Deployment)',
    ])
    expect(preview.keptText).toBe('Kept as drawn (not from the files): 2 elements, 2 flows')
  })

  it('says when there is no drift, and counts it when there is', () => {
    const none: DriftChanges = {
      elements: { added: [], changed: [], removed: [] },
      flows: { added: [], changed: [], removed: [] },
      kept: { elements: [], flows: [] },
    }
    const preview = driftPreview(none, { current, })
    expect(preview.inStep).toBe(true)
    expect(preview.sections).toEqual([])
    expect(driftPreview(none, { current: draw([]), }).keptText).toBe('')
    expect(driftCounts(none)).toBe('No drift: the diagram already says what the files say.')
    expect(driftCounts(changes)).toBe('1 element added, 1 flow added, 1 element changed, 1 element removed, 1 flow removed')
  })

  it('shows values the way the property panel reads them', () => {
    expect(valueText(true)).toBe('true')
    expect(valueText('unknown')).toBe('unknown')
    expect(valueText(undefined)).toBe('unknown')
    expect(valueText([])).toBe('(none)')
    expect(valueText({ Kind: 'Deployment', Images: 'redis:7' })).toBe('Kind: Deployment; Images: redis:7')
    expect(valueText(3)).toBe('3')
  })
})

describe('after the apply', () => {
  it('says how many changes went in and what the analysis found', () => {
    expect(appliedNotice({ version: 4, applied: 1, analysis: { status: 'done', new: 3, obsolete: 0 } })).toBe(
      'Re-imported the manifests: 1 change applied, diagram version 4. 3 new threats.',
    )
    expect(appliedNotice({ version: 5, applied: 2, analysis: { status: 'done', new: 1, obsolete: 2 } })).toBe(
      'Re-imported the manifests: 2 changes applied, diagram version 5. 1 new threat, 2 obsolete.',
    )
    expect(appliedNotice({ version: 6, applied: 2, analysis: { status: 'queued' } })).toBe(
      'Re-imported the manifests: 2 changes applied, diagram version 6. The threats are being analysed.',
    )
    expect(appliedNotice({ version: 6, applied: 0 })).toBe('Re-imported: nothing changed (version 6).')
  })

  it('names the verified mitigations the files broke', () => {
    const reopened = [{ mitigation: 'MIT-7', title: 'No privileged pods', because: ['A privileged container can break out on frontend (K8S-001)'], threats_reopened: 1 }]
    expect(appliedNotice({ version: 4, applied: 1, analysis: { status: 'done', new: 3 } }, reopened)).toBe(
      'Re-imported the manifests: 1 change applied, diagram version 4. 3 new threats. Reopened MIT-7: the files break this verified mitigation.',
    )
    expect(reopenedLines([{ ...reopened[0]!, because: ['a', 'b', 'c', 'd'] }])).toEqual(['MIT-7 No privileged pods — a; b; c; …'])
  })

  it('words a stale preview with the version the diagram is at now', () => {
    expect(staleText(3, 5)).toBe(
      'The diagram changed since this preview of version 3 (it is now at version 5): nothing was applied. Preview again to see the changes against the current diagram.',
    )
    expect(staleText(3, undefined)).toContain('since this preview of version 3: nothing was applied')
  })
})

describe('what the file picker pre-fills', () => {
  const forOne = (name: string) => (name.endsWith('.tm7') ? 'tmt' : '')

  it('asks the one-file rule first, then knows a compose file by its name', () => {
    expect(suggestedFormat(['model.tm7'], forOne)).toBe('tmt')
    expect(suggestedFormat(['docker-compose.yml'], forOne)).toBe('compose')
    expect(suggestedFormat(['deploy.yaml'], forOne)).toBe('')
  })

  it('names the manifest format of several files', () => {
    expect(suggestedFormat(['a.yaml', 'b.yml'], forOne)).toBe('kubernetes')
    expect(suggestedFormat(['compose.yaml', 'compose.override.yaml'], forOne)).toBe('compose')
  })

  it('describes the files picked, the first few by name', () => {
    const size = (n: number) => `${n} B`
    expect(filesText([{ name: 'a.yaml', size: 10 }], size)).toBe('a.yaml, 10 B')
    const many = Array.from({ length: 8 }, (_, i) => ({ name: `f${i}.yaml`, size: 1 }))
    expect(filesText(many, size)).toBe('8 files, 8 B: f0.yaml, f1.yaml, f2.yaml, f3.yaml, f4.yaml, f5.yaml and 2 more')
  })
})
