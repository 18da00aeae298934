/**
 * Undo and redo of the user's own edits. Each entry holds the edit and its inverse; undo sends the
 * inverse as a new edit through the normal save path, so the server sees ordinary operations and
 * another person's later changes are never rolled back wholesale.
 */
import type { Op } from './ops'

export interface HistoryEntry {
  label: string
  forward: readonly Op[]
  inverse: readonly Op[]
}

export class History {
  private done: HistoryEntry[] = []
  private undone: HistoryEntry[] = []

  constructor(private readonly limit = 200) {}

  record(entry: HistoryEntry): void {
    if (entry.forward.length === 0) return
    this.done.push(entry)
    if (this.done.length > this.limit) this.done.shift()
    this.undone = []
  }

  /** The entry to undo; the caller applies `inverse` and then calls `undoApplied` or `drop`. */
  peekUndo(): HistoryEntry | undefined {
    return this.done.at(-1)
  }

  peekRedo(): HistoryEntry | undefined {
    return this.undone.at(-1)
  }

  undoApplied(): void {
    const entry = this.done.pop()
    if (entry) this.undone.push(entry)
  }

  redoApplied(): void {
    const entry = this.undone.pop()
    if (entry) this.done.push(entry)
  }

  /** Forget the entry on top of the undo (or redo) stack: it can no longer be applied. */
  dropUndo(): void {
    this.done.pop()
  }

  dropRedo(): void {
    this.undone.pop()
  }

  clear(): void {
    this.done = []
    this.undone = []
  }

  get canUndo(): boolean {
    return this.done.length > 0
  }

  get canRedo(): boolean {
    return this.undone.length > 0
  }
}
