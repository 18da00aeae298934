/**
 * Client-chosen keys. The server accepts any key matching its pattern and unique in the model;
 * a short random suffix makes two people in one workshop practically never collide, and the
 * kind prefix keeps keys readable in exports and threat fingerprints.
 */
const PREFIX: Record<string, string> = {
  external_entity: 'ee',
  process: 'p',
  data_store: 'ds',
  trust_boundary: 'tb',
  flow: 'f',
}

const ALPHABET = 'abcdefghijkmnopqrstuvwxyz23456789'

export function newKey(kind: string, taken?: (key: string) => boolean): string {
  for (;;) {
    const bytes = new Uint8Array(8)
    crypto.getRandomValues(bytes)
    const suffix = Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join('')
    const key = `${PREFIX[kind] ?? 'x'}-${suffix}`
    if (!taken || !taken(key)) return key
  }
}
