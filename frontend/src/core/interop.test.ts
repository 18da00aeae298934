import { acceptAttribute, formatForFile, isFinished, pollReport, problemLines, refusalOf, reportLine, sizeText, summaryLines, type ReportLike } from './interop'

const imports = [
  { name: 'json', label: 'Native JSON', extensions: ['.json'] },
  { name: 'otm', label: 'Open Threat Model', extensions: ['.otm', '.json', '.yaml', '.yml'] },
  { name: 'threat-dragon', label: 'Threat Dragon', extensions: ['.json'] },
  { name: 'tmt', label: 'Microsoft TMT', extensions: ['.tm7'] },
]
const exports = [
  { name: 'json', file_suffix: '.json' },
  { name: 'otm', file_suffix: '.otm.json' },
  { name: 'threat-dragon', file_suffix: '.threat-dragon.json' },
  { name: 'navigator', file_suffix: '.navigator-layer.json' },
]

describe('import format from the file name', () => {
  it('names the format when only one reads that ending', () => {
    expect(formatForFile('model.tm7', imports)).toBe('tmt')
    expect(formatForFile('Model.YAML', imports)).toBe('otm')
    expect(formatForFile('x.otm', imports)).toBe('otm')
  })

  it('leaves a shared ending to the server’s detection', () => {
    expect(formatForFile('model.json', imports)).toBe('')
    expect(formatForFile('README', imports)).toBe('')
    expect(formatForFile('model.docx', imports)).toBe('')
  })

  it('recognises our own exports by their compound suffix, but not formats it cannot import', () => {
    expect(formatForFile('threat-model-3-v12.otm.json', imports, exports)).toBe('otm')
    expect(formatForFile('threat-model-3-v12.threat-dragon.json', imports, exports)).toBe('threat-dragon')
    expect(formatForFile('threat-model-3-v12.navigator-layer.json', imports, exports)).toBe('')
  })

  it('accepts every extension some format reads', () => {
    expect(acceptAttribute(imports)).toBe('.json,.otm,.tm7,.yaml,.yml')
  })
})

describe('import results in words', () => {
  it('lists what was created', () => {
    expect(
      summaryLines({ diagrams: 1, elements: 16, boundaries: 7, flows: 9, threats: 3, placeholders: 0, skipped: 0, threats_by_stride: { S: 1, T: 2, R: 0 } }),
    ).toEqual(['1 diagram', '7 trust boundaries', '16 elements (external entities, processes, data stores)', '9 flows', '3 threats (S 1, T 2)'])
    expect(
      summaryLines({ diagrams: 2, elements: 1, boundaries: 1, flows: 1, threats: 0, placeholders: 2, skipped: 1, threats_by_stride: {} }),
    ).toEqual([
      '2 diagrams',
      '1 trust boundary',
      '1 element (external entities, processes, data stores)',
      '1 flow',
      '0 threats',
      '2 placeholders for flow ends attached to nothing',
      '1 shape skipped',
    ])
  })

  it('lists each problem with its place in the file', () => {
    expect(
      problemLines({
        message: 'The file has 2 problem(s); nothing was imported.',
        details: [
          { path: 'dataflows[0].destination', message: "'ghost' is no component" },
          { path: '$', message: 'no otmVersion' },
        ],
      }),
    ).toEqual({ message: 'The file has 2 problem(s); nothing was imported.', problems: ["dataflows[0].destination: 'ghost' is no component", 'no otmVersion'] })
  })

  it('writes sizes for people', () => {
    expect([sizeText(512), sizeText(2048), sizeText(3_500_000), sizeText(null)]).toEqual(['512 B', '2 KB', '3.3 MB', ''])
  })
})

describe('reports', () => {
  const report = (over: Partial<ReportLike>): ReportLike => ({
    id: 1, status: 'queued', reason: '', paper: 'a4', pages: null, size: null, model_version: 4, is_current: true, download_url: null, ...over,
  })

  it('says where a report stands', () => {
    expect(reportLine(report({}))).toBe('A4, model v4: waiting for a worker…')
    expect(reportLine(report({ status: 'running', paper: 'letter' }))).toBe('Letter, model v4: being rendered…')
    expect(reportLine(report({ status: 'done', pages: 14, size: 1_300_000 }))).toBe('A4, model v4: ready — 14 pages, 1.2 MB')
    expect(reportLine(report({ status: 'done', pages: 2, size: 900, is_current: false }))).toMatch(/an earlier version/)
    expect(reportLine(report({ status: 'failed', reason: 'Graphviz is not installed' }))).toBe('A4, model v4: failed — Graphviz is not installed')
    expect(isFinished('running')).toBe(false)
    expect(isFinished('failed')).toBe(true)
  })

  it('polls until the report is done, reporting each step', async () => {
    const answers = [report({}), report({ status: 'running' }), report({ status: 'done', pages: 3 })]
    const seen: string[] = []
    const slept: number[] = []
    const final = await pollReport(async () => answers.shift()!, {
      intervalMs: 2000,
      onUpdate: (r) => seen.push(r.status),
      sleep: async (ms) => void slept.push(ms),
    })
    expect(final.status).toBe('done')
    expect(seen).toEqual(['queued', 'running', 'done'])
    expect(slept).toEqual([2000, 2000])
  })

  it('gives up after its time limit, or when cancelled, with the last answer', async () => {
    let clock = 0
    const stuck = await pollReport(async () => report({}), { timeoutMs: 5000, sleep: async (ms) => void (clock += ms), now: () => clock })
    expect(stuck.status).toBe('queued')
    expect(clock).toBeGreaterThanOrEqual(5000)
    let looks = 0
    await pollReport(async () => (looks++, report({})), { sleep: async () => undefined, cancelled: () => looks >= 2 })
    expect(looks).toBe(2)
  })
})

describe('refusals', () => {
  it('words an answered refusal with its problems and an unanswered one with the fallback', () => {
    const refused = Object.assign(new Error('The report is malformed.'), { status: 400, details: [{ path: 'results[0]', message: 'has no result' }] })
    expect(refusalOf(refused, 'not sent')).toEqual({ message: 'The report is malformed.', problems: ['results[0]: has no result'] })
    expect(refusalOf(new TypeError('Failed to fetch'), 'The file could not be sent.')).toEqual({ message: 'The file could not be sent.', problems: [] })
    expect(refusalOf('odd', 'fallback').message).toBe('fallback')
  })
})
